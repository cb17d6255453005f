"""Kubernetes: pure rendering of objects, a thin apply/wait/delete shell, the AIOpsLab glue.

Only the apply shell imports the `kubernetes` client.
"""
