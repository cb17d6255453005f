"""Deploy errors.

DeployError
├── DeployConfigError   bad flags or a scenario that cannot be deployed
└── ClusterError        the API server refused or timed out (status, reason and object named)
"""

from replaybed.schemas.errors import ReplaybedError


class DeployError(ReplaybedError):
    pass


class DeployConfigError(DeployError):
    exit_code = 2


class ClusterError(DeployError):
    pass
