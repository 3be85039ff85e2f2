"""Send every word of words.json to the stream, one put_record per word (partition key = word)."""
import json
import os

from common import EXAMPLES, kinesis_client, load_config

config = load_config()
kinesis = kinesis_client(config)

with open(os.environ.get("RUNNEL_WORDS") or os.path.join(EXAMPLES, "words.json")) as f:
    words = json.load(f)

for word in words:
    response = kinesis.put_record(
        StreamName=config["stream_name"], Data=word.encode("utf-8"), PartitionKey=word
    )
    print("{} -> {} {}".format(word, response["ShardId"], response["SequenceNumber"]))

print("Sent {} words".format(len(words)))
