"""The OpenRCA Market dataset format: value spaces (catalog), record/query rows, the CSV source."""
