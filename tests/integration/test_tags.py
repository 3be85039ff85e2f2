"""Tags: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream, TagResource, UntagResource,
ListTagsForResource and CreateStream Tags (kinesis-api-actions.md §6).

Messages for bad characters and the 50-tag cap are the ones kinesalite recorded from Kinesis:
a character outside the allowed set gets the short "Some tags contain invalid characters"
sentence, while '%' gets the stream-specific "Failed to add/remove tags" one."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ACCOUNT, ServerTestCase, stream_arn  # noqa: E402

INVALID_CHARS = ("Some tags contain invalid characters. Valid characters: Unicode letters, "
                 "digits, white space, _ . / = + - % @.")


def illegal_chars(op, name):
    prep = "to" if op == "add" else "from"
    return (f"Failed to {op} tags {prep} stream {name} under account {ACCOUNT} because some tags "
            "contained illegal characters. The allowed characters are Unicode letters, "
            "white-spaces, '_',',','/','=','+','-','@'.")


def too_many(name):
    return (f"Failed to add tags to stream {name} under account {ACCOUNT} because a given stream "
            "cannot have more than 50 tags associated with it.")


def consumer_arn(name, consumer="c1"):
    return f"{stream_arn(name)}/consumer/{consumer}:1700000000"


class TagsTest(ServerTestCase):

    def tags(self, name, **kw):
        return self.kinesis.list_tags_for_stream(StreamName=name, **kw)

    # ---- functionality -------------------------------------------------------------------

    def test_add_list_overwrite_remove(self):
        self.create_stream("t")
        self.assertEqual(self.tags("t")["Tags"], [])
        self.assertFalse(self.tags("t")["HasMoreTags"])
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={"b": "2", "a": "1", "c": ""})
        self.kinesis.add_tags_to_stream(StreamARN=stream_arn("t"), Tags={"b": "20"})
        resp = self.tags("t")
        self.assertEqual(resp["Tags"], [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "20"},
                                        {"Key": "c", "Value": ""}])
        self.assertFalse(resp["HasMoreTags"])
        self.kinesis.remove_tags_from_stream(StreamName="t", TagKeys=["a", "not-there"])
        self.assertEqual([t["Key"] for t in self.tags("t")["Tags"]], ["b", "c"])

    def test_list_tags_pagination(self):
        self.create_stream("t")
        keys = [f"k{i:02d}" for i in range(25)]
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={k: k.upper() for k in keys})
        got, start = [], None
        while True:
            kw = {"Limit": 10}
            if start:
                kw["ExclusiveStartTagKey"] = start
            resp = self.tags("t", **kw)
            self.assertLessEqual(len(resp["Tags"]), 10)
            got += resp["Tags"]
            if not resp["HasMoreTags"]:
                break
            start = resp["Tags"][-1]["Key"]
        self.assertEqual([t["Key"] for t in got], keys)
        self.assertEqual(got[3], {"Key": "k03", "Value": "K03"})
        # No Limit: everything (at most 50 exist); a start key that is not a tag works too.
        self.assertEqual(len(self.tags("t")["Tags"]), 25)
        resp = self.tags("t", ExclusiveStartTagKey="k105")
        self.assertEqual(resp["Tags"][0]["Key"], "k11")
        resp = self.tags("t", ExclusiveStartTagKey="k24")
        self.assertEqual(resp, {**resp, "Tags": [], "HasMoreTags": False})

    def test_unicode_and_allowed_punctuation(self):
        self.create_stream("t")
        tags = {"ü0 _.": "/=+-@", "日本": "値 1", "Ω": "\u00a0"}
        self.kinesis.add_tags_to_stream(StreamName="t", Tags=tags)
        self.assertEqual({t["Key"]: t["Value"] for t in self.tags("t")["Tags"]}, tags)
        self.kinesis.remove_tags_from_stream(StreamName="t", TagKeys=["ü0 _.", "/=+-@"])
        self.assertEqual(len(self.tags("t")["Tags"]), 2)

    def test_fifty_tags_per_stream(self):
        self.create_stream("t")
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={f"k{i}": "v" for i in range(49)})
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={"k0": "new", "last": "v"})
        self.assertEqual(len(self.tags("t")["Tags"]), 50)
        self.assertAwsError("InvalidArgumentException", self.kinesis.add_tags_to_stream,
                            StreamName="t", Tags={"one-more": "v"}, message=too_many("t"))
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={"k1": "overwrite ok at the cap"})
        self.assertEqual(len(self.tags("t")["Tags"]), 50)

    def test_create_stream_tags(self):
        self.create_stream("t", Tags={"team": "data", "env": "test"})
        self.assertEqual(self.tags("t")["Tags"], [{"Key": "env", "Value": "test"},
                                                  {"Key": "team", "Value": "data"}])
        self.assertAwsError("InvalidArgumentException", self.kinesis.create_stream,
                            StreamName="bad1", ShardCount=1, Tags={"a,b": "1"},
                            message=INVALID_CHARS)
        self.assertAwsError("InvalidArgumentException", self.kinesis.create_stream,
                            StreamName="bad2", ShardCount=1, Tags={"a": "50%"},
                            message=illegal_chars("add", "bad2"))
        self.assertAwsError("InvalidArgumentException", self.kinesis.create_stream,
                            StreamName="bad3", ShardCount=1,
                            Tags={f"k{i}": "v" for i in range(51)}, message=too_many("bad3"))
        self.assertEqual(self.stream_names(), ["t"])  # nothing was created by the failures

    # ---- by ARN --------------------------------------------------------------------------

    def test_tag_resource_by_stream_arn(self):
        self.create_stream("t", Tags={"a": "1"})
        arn = stream_arn("t")
        self.kinesis.tag_resource(ResourceARN=arn, Tags={"b": "2"})
        self.assertEqual(self.kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.kinesis.untag_resource(ResourceARN=arn, TagKeys=["a"])
        self.assertEqual(self.kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "b", "Value": "2"}])
        self.assertEqual(self.tags("t")["Tags"], [{"Key": "b", "Value": "2"}])
        self.assertAwsError("InvalidArgumentException", self.kinesis.tag_resource,
                            ResourceARN=arn, Tags={"x;y": "1"}, message=INVALID_CHARS)
        self.assertAwsError("InvalidArgumentException", self.kinesis.untag_resource,
                            ResourceARN=arn, TagKeys=["x%"], message=illegal_chars("remove", "t"))

    def test_tag_resource_on_a_registered_consumer(self):
        self.create_stream("t")
        c = self.kinesis.register_stream_consumer(StreamARN=stream_arn("t"),
                                                  ConsumerName="c1")["Consumer"]
        arn = c["ConsumerARN"]
        self.kinesis.tag_resource(ResourceARN=arn, Tags={"team": "a", "env": "dev"})
        self.kinesis.untag_resource(ResourceARN=arn, TagKeys=["env"])
        tags = self.kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "a"}])
        # The consumer's tags are its own: the stream has none.
        self.assertEqual(self.kinesis.list_tags_for_resource(ResourceARN=stream_arn("t"))["Tags"],
                         [])
        self.restart_server()
        self.assertEqual(self.kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "team", "Value": "a"}])

    def test_consumer_arns_are_accepted_but_not_found(self):
        self.create_stream("t")
        arn = consumer_arn("t")
        for fn, kw in ((self.kinesis.tag_resource, {"Tags": {"a": "1"}}),
                       (self.kinesis.untag_resource, {"TagKeys": ["a"]}),
                       (self.kinesis.list_tags_for_resource, {})):
            self.assertAwsError("ResourceNotFoundException", fn, ResourceARN=arn, **kw,
                                message=f"Consumer {arn} under account {ACCOUNT} not found.")
        # The consumer's stream missing is reported as the stream.
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_tags_for_resource,
                            ResourceARN=consumer_arn("nope"),
                            message=f"Stream nope under account {ACCOUNT} not found.")

    def test_resource_arn_errors(self):
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_tags_for_resource,
                            ResourceARN=stream_arn("missing"),
                            message=f"Stream missing under account {ACCOUNT} not found.")
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_tags_for_resource,
                            ResourceARN=stream_arn("t", account="123456789012"))
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_tags_for_resource,
                            ResourceARN=stream_arn("t", region="eu-west-1"))
        got = self.assertAwsError("ValidationException", self.kinesis.list_tags_for_resource,
                                  ResourceARN="arn:aws:kinesis:us-east-1:0:stream/t")
        self.assertIn("resourceARN", got["Message"])
        self.assertAwsError("InvalidArgumentException", self.kinesis.list_tags_for_resource,
                            ResourceARN=stream_arn("t") + "/other/x")

    # ---- validation ----------------------------------------------------------------------

    def test_validation(self):
        self.create_stream("t")
        long_key, long_value = "k" * 129, "v" * 257
        got = self.assertAwsError("ValidationException", self.kinesis.add_tags_to_stream,
                                  StreamName="t", Tags={long_key: "v"})
        self.assertIn("Map keys must satisfy constraint", got["Message"])
        got = self.assertAwsError("ValidationException", self.kinesis.add_tags_to_stream,
                                  StreamName="t", Tags={"k": long_value})
        self.assertIn("Member must have length less than or equal to 256", got["Message"])
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={"k" * 128: "v" * 256})
        status, body = self.raw_json("AddTagsToStream", {"StreamName": "t", "Tags": {}})
        self.assertRawError(status, json_dump(body), "ValidationException")
        self.assertIn("Member must have length greater than or equal to 1", body["message"])
        status, body = self.raw_json("AddTagsToStream", {"StreamName": "t"})
        self.assertEqual(body["message"], "1 validation error detected: Value null at 'tags' "
                                          "failed to satisfy constraint: Member must not be null")
        status, body = self.raw_json("RemoveTagsFromStream", {"StreamName": "t", "TagKeys": []})
        self.assertRawError(status, json_dump(body), "ValidationException")
        status, body = self.raw_json("RemoveTagsFromStream",
                                     {"StreamName": "t", "TagKeys": [f"k{i}" for i in range(51)]})
        self.assertIn("Member must have length less than or equal to 50", body["message"])
        status, body = self.raw_json("ListTagsForStream", {"StreamName": "t", "Limit": 51})
        self.assertIn("Member must have value less than or equal to 50", body["message"])
        status, body = self.raw_json("ListTagsForStream", {"StreamName": "t", "Limit": 0})
        self.assertIn("Member must have value greater than or equal to 1", body["message"])
        status, body = self.raw_json("ListTagsForStream", {})  # neither StreamName nor ARN
        self.assertEqual(body["__type"], "InvalidArgumentException")
        self.assertEqual(body["message"], "Either StreamName or StreamARN should be provided.")

    def test_character_rules(self):
        self.create_stream("t")
        for bad in ("a,b", "a;b", "a:b", "a\tb", "a!b", "emoji😀"):
            self.assertAwsError("InvalidArgumentException", self.kinesis.add_tags_to_stream,
                                StreamName="t", Tags={bad: "v"}, message=INVALID_CHARS)
            self.assertAwsError("InvalidArgumentException", self.kinesis.add_tags_to_stream,
                                StreamName="t", Tags={"k": bad}, message=INVALID_CHARS)
            self.assertAwsError("InvalidArgumentException", self.kinesis.remove_tags_from_stream,
                                StreamName="t", TagKeys=[bad], message=INVALID_CHARS)
        self.assertAwsError("InvalidArgumentException", self.kinesis.add_tags_to_stream,
                            StreamName="t", Tags={"100%": "v"}, message=illegal_chars("add", "t"))
        self.assertAwsError("InvalidArgumentException", self.kinesis.remove_tags_from_stream,
                            StreamName="t", TagKeys=["100%"],
                            message=illegal_chars("remove", "t"))
        self.assertEqual(self.tags("t")["Tags"], [])

    def test_missing_stream(self):
        msg = f"Stream nope under account {ACCOUNT} not found."
        self.assertAwsError("ResourceNotFoundException", self.kinesis.add_tags_to_stream,
                            StreamName="nope", Tags={"a": "1"}, message=msg)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.remove_tags_from_stream,
                            StreamName="nope", TagKeys=["a"], message=msg)
        self.assertAwsError("ResourceNotFoundException", self.kinesis.list_tags_for_stream,
                            StreamName="nope", message=msg)


def json_dump(obj):
    import json
    return json.dumps(obj).encode()


class TagsWhileNotActiveTest(ServerTestCase):
    """A slow CREATING/UPDATING so the non-ACTIVE window is easy to hit."""

    transition_ms = 1500

    def test_changes_need_active_listing_does_not(self):
        self.kinesis.create_stream(StreamName="t", ShardCount=1, Tags={"a": "1"})
        msg = f"Stream t under account {ACCOUNT} not ACTIVE, instead in state CREATING"
        self.assertAwsError("ResourceInUseException", self.kinesis.add_tags_to_stream,
                            StreamName="t", Tags={"b": "2"}, message=msg)
        self.assertAwsError("ResourceInUseException", self.kinesis.remove_tags_from_stream,
                            StreamName="t", TagKeys=["a"], message=msg)
        self.assertAwsError("ResourceInUseException", self.kinesis.tag_resource,
                            ResourceARN=stream_arn("t"), Tags={"b": "2"}, message=msg)
        self.assertAwsError("ResourceInUseException", self.kinesis.untag_resource,
                            ResourceARN=stream_arn("t"), TagKeys=["a"], message=msg)
        # Tags given to CreateStream are visible while CREATING.
        self.assertEqual(self.kinesis.list_tags_for_stream(StreamName="t")["Tags"],
                         [{"Key": "a", "Value": "1"}])
        self.assertEqual(self.kinesis.list_tags_for_resource(ResourceARN=stream_arn("t"))["Tags"],
                         [{"Key": "a", "Value": "1"}])
        self.wait_active("t")
        self.kinesis.add_tags_to_stream(StreamName="t", Tags={"b": "2"})
        self.assertEqual(len(self.kinesis.list_tags_for_stream(StreamName="t")["Tags"]), 2)


if __name__ == "__main__":
    unittest.main()
