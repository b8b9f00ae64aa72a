"""rdslink: prove a Lambda function reaches its RDS database, and connect to it right."""
__version__ = "0.1.0"
