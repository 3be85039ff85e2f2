"""Delete the stream named in config.json and wait until it is gone."""
from common import kinesis_client, load_config

config = load_config()
kinesis = kinesis_client(config)

kinesis.delete_stream(StreamName=config["stream_name"])
kinesis.get_waiter("stream_not_exists").wait(
    StreamName=config["stream_name"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
)
print("Stream {} deleted".format(config["stream_name"]))
