"""Drives mogr-server with Tencent's official COS Python SDK (cos-python-sdk-v5), unchanged:
the SDK is pointed at the server with IP/Port in CosConfig and sends its usual virtual-host
Host header and signatures.

Usage: cos_python_sdk.py PORT SECRET_ID SECRET_KEY PHOTO_JPEG WORK_DIR
Prints one line per check and "N passed, 0 failed" at the end; exits non-zero on a failure.
"""

import json
import os
import sys

import requests
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

port, secret_id, secret_key, photo_path, work = sys.argv[1:6]
BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
HOST = BUCKET + ".cos." + REGION + ".myqcloud.com"

config = CosConfig(Region=REGION, SecretId=secret_id, SecretKey=secret_key, IP="127.0.0.1", Port=int(port),
                   Scheme="http", Timeout=60)
client = CosS3Client(config, retry=0)
photo = open(photo_path, "rb").read()
passed = 0


def check(name, condition, detail=""):
    global passed
    if not condition:
        print("FAILED: %s %s" % (name, detail))
        sys.exit(1)
    passed += 1
    print("ok: " + name)


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


# Objects.
response = client.put_object(Bucket=BUCKET, Body=b"hello sdk", Key="sdk/hello.txt")
check("put_object", response["ETag"] == '"833925bae516fc14335a29f3914656f0"', response)
response = client.get_object(Bucket=BUCKET, Key="sdk/hello.txt")
check("get_object", response["Body"].get_raw_stream().read() == b"hello sdk")
response = client.head_object(Bucket=BUCKET, Key="sdk/hello.txt")
check("head_object", response["Content-Length"] == "9", response)
response = client.get_object(Bucket=BUCKET, Key="sdk/hello.txt", Range="bytes=6-8")
check("get_object with Range", response["Body"].get_raw_stream().read() == b"sdk")
client.delete_object(Bucket=BUCKET, Key="sdk/hello.txt")
try:
    client.get_object(Bucket=BUCKET, Key="sdk/hello.txt")
    check("get_object after delete_object", False)
except CosServiceError as e:
    check("get_object after delete_object", e.get_status_code() == 404 and e.get_error_code() == "NoSuchKey",
          e.get_error_msg())
client.put_object(Bucket=BUCKET, Body=photo, Key="sdk/photo.jpg", EnableMD5=True)
check("put_object with Content-MD5", True)

# Processing on download.
out = os.path.join(work, "thumb.png")
client.ci_get_object(Bucket=BUCKET, Key="sdk/photo.jpg", DestImagePath=out,
                     Rule="imageMogr2/auto-orient/thumbnail/300x/format/png")
check("ci_get_object", is_png(out))
response, data = client.ci_get_image_info(Bucket=BUCKET, Key="sdk/photo.jpg")
info = json.loads(data)
check("ci_get_image_info", info["format"] == "jpg" and info["width"] == "1200", info)
response, data = client.ci_get_image_exif_info(Bucket=BUCKET, Key="sdk/photo.jpg")
check("ci_get_image_exif_info", "Orientation" in json.loads(data), data[:200])
response, data = client.ci_get_image_ave_info(Bucket=BUCKET, Key="sdk/photo.jpg")
check("ci_get_image_ave_info", json.loads(data)["RGB"].startswith("0x"), data)
response, data = client.ci_image_inspect(Bucket=BUCKET, Key="sdk/photo.jpg")
check("ci_image_inspect", json.loads(data)["suspicious"] is False, data)
try:
    client.ci_get_object(Bucket=BUCKET, Key="sdk/photo.jpg", DestImagePath=out, Rule="imageMogr2/blur/80x5")
    check("ci_get_object with a bad rule", False)
except CosServiceError as e:
    check("ci_get_object with a bad rule", e.get_status_code() == 400 and e.get_error_code() == "InvalidParameter",
          e.get_error_msg())

# Persistent processing.
operations = json.dumps({"is_pic_info": 1, "rules": [
    {"fileid": "small.png", "rule": "imageMogr2/auto-orient/thumbnail/200x/format/png"},
    {"fileid": "/sdk-top/q.jpg", "rule": "imageMogr2/thumbnail/100x/quality/60"}]})
response, data = client.ci_put_object(Bucket=BUCKET, Body=photo, Key="sdk/up/photo.jpg", PicOperations=operations)
objects = data["ProcessResults"]["Object"]
check("ci_put_object", data["OriginalInfo"]["Key"] == "sdk/up/photo.jpg"
      and data["OriginalInfo"]["ImageInfo"]["Width"] == "1200"
      and objects[0]["Key"] == "sdk/up/small.png" and objects[0]["Width"] == "200"
      and objects[1]["Key"] == "sdk-top/q.jpg" and objects[1]["Quality"] == "60", data)
operations = json.dumps({"rules": [{"fileid": "gray.png", "rule": "imageMogr2/grayscale/1/format/png"}]})
response, data = client.ci_image_process(Bucket=BUCKET, Key="sdk/up/photo.jpg", PicOperations=operations)
check("ci_image_process", data["ProcessResults"]["Object"]["Key"] == "sdk/up/gray.png", data)
response = client.get_object(Bucket=BUCKET, Key="sdk/up/gray.png")
check("get_object of a result", response["Content-Type"] == "image/png", response)

# Styles.
client.ci_put_image_style(Bucket=BUCKET, Request={"StyleName": "half", "StyleBody": "imageMogr2/thumbnail/!50p"})
client.ci_put_image_style(Bucket=BUCKET, Request={"StyleName": "png", "StyleBody": "imageMogr2/format/png"})
response, data = client.ci_get_image_style(Bucket=BUCKET, Request={})
names = sorted(rule["StyleName"] for rule in data["StyleRule"])
check("ci_put_image_style and ci_get_image_style", names == ["half", "png"], data)
response, data = client.ci_get_image_style(Bucket=BUCKET, Request={"StyleName": "half"})
check("ci_get_image_style of one style", data["StyleRule"]["StyleBody"] == "imageMogr2/thumbnail/!50p", data)
client.ci_get_object(Bucket=BUCKET, Key="sdk/photo.jpg", DestImagePath=out, Rule="style/half|style/png")
check("ci_get_object with styles", is_png(out))
client.ci_delete_image_style(Bucket=BUCKET, Request={"StyleName": "half"})
try:
    client.ci_get_object(Bucket=BUCKET, Key="sdk/photo.jpg", DestImagePath=out, Rule="style/half")
    check("ci_delete_image_style", False)
except CosServiceError as e:
    check("ci_delete_image_style", e.get_status_code() == 404, e.get_error_msg())

# A pre-signed URL (host left out of the signature: the URL names the IP, the Host the bucket).
url = client.get_presigned_url(Bucket=BUCKET, Key="sdk/photo.jpg", Method="GET", SignHost=False,
                               Params={"imageMogr2/thumbnail/50x/format/png": ""})
reply = requests.get(url, headers={"Host": HOST}, timeout=60)
check("get_presigned_url", reply.status_code == 200 and reply.content[:4] == b"\x89PNG", reply.text[:300])
reply = requests.get(url.replace("50x", "60x"), headers={"Host": HOST}, timeout=60)
check("tampered pre-signed URL", reply.status_code == 403 and reply.headers.get("X-ErrNo") == "-46618",
      reply.text[:300])

# Listing a bucket (GET Bucket) and HEAD Bucket. The SDK asks for encoding-type=url and
# decodes the names itself, so the space and the Chinese name check the encoding too.
LISTED = ["list/a.txt", "list/b/c.txt", "list/b/d.txt", "list/sp ace/测试+1.txt", "list/z.txt"]
for key in reversed(LISTED):
    client.put_object(Bucket=BUCKET, Body=key.encode("utf-8"), Key=key)


def as_list(value):
    return value if isinstance(value, list) else [value]


def listed_keys(response):
    return [item["Key"] for item in as_list(response.get("Contents", []))]


def listed_prefixes(response):
    return [item["Prefix"] for item in as_list(response.get("CommonPrefixes", []))]


response = client.list_objects(Bucket=BUCKET, Prefix="list/")
check("list_objects with Prefix", listed_keys(response) == LISTED and response["IsTruncated"] == "false", response)
head = client.head_object(Bucket=BUCKET, Key="list/z.txt")
contents = as_list(response["Contents"])[-1]
check("list_objects metadata as head_object", contents["ETag"] == head["ETag"] and contents["Size"] == "10"
      and contents["StorageClass"] == "STANDARD", (contents, head))
response = client.list_objects(Bucket=BUCKET, Prefix="list/", Delimiter="/")
check("list_objects with Delimiter", listed_keys(response) == ["list/a.txt", "list/z.txt"]
      and listed_prefixes(response) == ["list/b/", "list/sp ace/"], response)
seen, marker, pages = [], "", 0
while True:
    response = client.list_objects(Bucket=BUCKET, Prefix="list/", Marker=marker, MaxKeys=2)
    page = listed_keys(response)
    seen += page
    pages += 1
    if response["IsTruncated"] == "false" or pages > 10:
        break
    marker = response["NextMarker"]
check("list_objects with Marker and MaxKeys", seen == LISTED and pages == 3, (seen, pages))
response = client.head_bucket(Bucket=BUCKET)
check("head_bucket", response is not None, response)
try:
    client.head_bucket(Bucket="nobucket-1250000000")
    check("head_bucket of a missing bucket", False)
except CosServiceError as e:
    check("head_bucket of a missing bucket", e.get_status_code() == 404)
try:
    client.list_objects(Bucket="nobucket-1250000000")
    check("list_objects of a missing bucket", False)
except CosServiceError as e:
    check("list_objects of a missing bucket", e.get_status_code() == 404 and e.get_error_code() == "NoSuchBucket")

# Multipart upload: upload_file sends files over PartSize MB as parts from 5 threads, after
# looking for an upload to resume (list_multipart_uploads, list_parts).
MIB = 1024 * 1024
big = bytes((i * 7 + i // 4099) % 256 for i in range(2 * MIB + MIB // 2))
big_path = os.path.join(work, "big.bin")
with open(big_path, "wb") as f:
    f.write(big)
response = client.upload_file(Bucket=BUCKET, Key="sdk/big.bin", LocalFilePath=big_path, PartSize=1)
check("upload_file in 3 parts", response["ETag"].endswith('-3"'), response)
response = client.get_object(Bucket=BUCKET, Key="sdk/big.bin")
check("get_object of the multipart object", response["Body"].get_raw_stream().read() == big)
response = client.create_multipart_upload(Bucket=BUCKET, Key="sdk/resumed.bin", ContentType="application/x-big")
upload_id = response["UploadId"]
client.upload_part(Bucket=BUCKET, Key="sdk/resumed.bin", Body=big[:MIB], PartNumber=1, UploadId=upload_id)
response = client.list_parts(Bucket=BUCKET, Key="sdk/resumed.bin", UploadId=upload_id)
check("list_parts", [(p["PartNumber"], p["Size"]) for p in response["Part"]] == [("1", str(MIB))], response)
response = client.list_multipart_uploads(Bucket=BUCKET, Prefix="sdk/resumed")
check("list_multipart_uploads", [u["UploadId"] for u in response["Upload"]] == [upload_id], response)
client.upload_file(Bucket=BUCKET, Key="sdk/resumed.bin", LocalFilePath=big_path, PartSize=1)
response = client.list_multipart_uploads(Bucket=BUCKET, Prefix="sdk/resumed")
check("upload_file resumes the upload in progress", "Upload" not in response, response)
response = client.get_object(Bucket=BUCKET, Key="sdk/resumed.bin")
check("get_object of the resumed upload", response["Body"].get_raw_stream().read() == big
      and response["Content-Type"] == "application/x-big", response)
response = client.create_multipart_upload(Bucket=BUCKET, Key="sdk/aborted.bin")
upload_id = response["UploadId"]
client.upload_part(Bucket=BUCKET, Key="sdk/aborted.bin", Body=b"part", PartNumber=1, UploadId=upload_id)
client.abort_multipart_upload(Bucket=BUCKET, Key="sdk/aborted.bin", UploadId=upload_id)
try:
    client.list_parts(Bucket=BUCKET, Key="sdk/aborted.bin", UploadId=upload_id)
    check("abort_multipart_upload", False)
except CosServiceError as e:
    check("abort_multipart_upload", e.get_status_code() == 404 and e.get_error_code() == "NoSuchUpload",
          e.get_error_msg())

# Wrong key.
bad = CosS3Client(CosConfig(Region=REGION, SecretId=secret_id, SecretKey="wrong", IP="127.0.0.1", Port=int(port),
                            Scheme="http"), retry=0)
try:
    bad.head_object(Bucket=BUCKET, Key="sdk/photo.jpg")
    check("a wrong SecretKey is refused", False)
except CosServiceError as e:
    check("a wrong SecretKey is refused", e.get_status_code() == 403)
try:
    bad.list_objects(Bucket=BUCKET)
    check("a wrong SecretKey cannot list", False)
except CosServiceError as e:
    check("a wrong SecretKey cannot list", e.get_status_code() == 403 and e.get_error_code() == "AccessDenied")

print("%d passed, 0 failed" % passed)
