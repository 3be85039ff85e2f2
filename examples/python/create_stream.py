"""Create the stream named in config.json and wait until it is ACTIVE."""
from common import kinesis_client, load_config

config = load_config()
kinesis = kinesis_client(config)

kinesis.create_stream(StreamName=config["stream_name"], ShardCount=config.get("shard_count", 1))
kinesis.get_waiter("stream_exists").wait(
    StreamName=config["stream_name"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
)
print("Stream {} created".format(config["stream_name"]))
