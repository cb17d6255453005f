"""Test-only helpers shared by the suites (servers, fakes, builders). Imported as `support.*`."""
