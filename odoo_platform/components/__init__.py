"""One ComponentResource per module; each can be used on its own with its own typed Args.

A big component keeps its pure builders beside it (`node_groups.py` for `KubernetesCluster`,
`backup_layout.py` for `BackupBucket`); `_shared/` holds helpers private to the components.
No module here reads the stack configuration (`tests/test_layers.py`).
"""
