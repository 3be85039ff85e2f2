"""Shared set-up for the example scripts: read config.json and build a boto3 Kinesis client.

config.json is read from $RUNNEL_CONFIG if set, else from the examples/ directory (the parent
of this script's directory). With no credentials in the environment or ~/.aws, dummy ones are
used: Runnel (like other local emulators) accepts any well-formed signature.
"""
import json
import os

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)


def load_config():
    path = os.environ.get("RUNNEL_CONFIG") or os.path.join(EXAMPLES, "config.json")
    with open(path) as f:
        return json.load(f)


def kinesis_client(config):
    session = boto3.session.Session()
    kwargs = {"region_name": config["region"]}
    if config.get("endpoint"):
        kwargs["endpoint_url"] = config["endpoint"]
    if session.get_credentials() is None:
        kwargs["aws_access_key_id"] = "test"
        kwargs["aws_secret_access_key"] = "test"
    return session.client("kinesis", **kwargs)
