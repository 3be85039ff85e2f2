"""Read the stream's shard from TRIM_HORIZON and print every record, polling forever.

Optional arguments (handy for tests): --max N exits after N records, --timeout S exits after
S seconds.
"""
import argparse
import time

from common import kinesis_client, load_config

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--max", type=int, default=0, help="exit after N records")
parser.add_argument("--timeout", type=float, default=0, help="exit after S seconds")
args = parser.parse_args()

config = load_config()
kinesis = kinesis_client(config)
stream = config["stream_name"]

shard_id = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
iterator = kinesis.get_shard_iterator(
    StreamName=stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
)["ShardIterator"]

deadline = time.monotonic() + args.timeout if args.timeout else None
count = 0
while iterator:
    response = kinesis.get_records(ShardIterator=iterator, Limit=1000)
    for record in response["Records"]:
        count += 1
        print(record["Data"].decode("utf-8", errors="replace"), flush=True)
        if args.max and count >= args.max:
            raise SystemExit(0)
    iterator = response.get("NextShardIterator")
    if deadline and time.monotonic() > deadline:
        raise SystemExit(1 if args.max else 0)
    if not response["Records"]:
        time.sleep(0.2)
