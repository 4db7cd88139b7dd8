"""An access token for the MCP API from a GCP, AWS or Azure Databricks workload, standard library only.

Gets the platform's own token (GCP metadata server, AWS STS GetWebIdentityToken, the managed
identity endpoint), checks its audience and lifetime, and exchanges it at Entra ID (client
credentials with the token as a JWT client assertion; no secret). Tokens are never printed or
logged; run as a script it prints only the access token's non-secret claims.

    from entra_token import access_token, gcp_token
    token = access_token(gcp_token(), tenant_id=..., client_id=..., scope=...)

Endpoints follow the platforms' usual environment overrides: GCE_METADATA_HOST, AWS_REGION,
AWS_ENDPOINT_URL_STS, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
IDENTITY_ENDPOINT/IDENTITY_HEADER, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenError(Exception):
    """The platform gave no token, a token failed its checks, or Entra refused the exchange."""


def _call(request, what):
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")[:300]
        raise TokenError(f"{what} answered {error.code}: {body}") from None
    except urllib.error.URLError as error:
        raise TokenError(f"{what}: {error.reason}") from None


def claims(jwt):
    """The payload of a JWT, unverified (for checks and messages; the receiver verifies)."""
    try:
        payload = jwt.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        raise TokenError("not a JWT") from None


def check(jwt, audience, what, min_remaining=30):
    """Refuses a token for another audience or about to expire, before it is sent anywhere."""
    c = claims(jwt)
    aud = c.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if audience not in auds:
        raise TokenError(f"{what}: aud {aud!r} is not {audience}")
    remaining = c.get("exp", 0) - time.time()
    if remaining < min_remaining:
        raise TokenError(f"{what}: expires in {int(remaining)} s")
    return c


def gcp_token(audience=EXCHANGE_AUDIENCE):
    """GCP: the attached service account's ID token from the metadata server."""
    host = os.environ.get("GCE_METADATA_HOST", "metadata.google.internal")
    query = urllib.parse.urlencode({"audience": audience, "format": "full"})
    url = f"http://{host}/computeMetadata/v1/instance/service-accounts/default/identity?{query}"
    request = urllib.request.Request(url, headers={"Metadata-Flavor": "Google"})
    return _call(request, "GCP metadata server").strip()


def _sign_aws(method, url, headers, body, region, service, key_id, secret, session_token):
    """AWS Signature Version 4 over method, path, query, headers and body."""
    parsed = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {k.lower(): v.strip() for k, v in headers.items()}
    headers["host"] = parsed.netloc
    headers["x-amz-date"] = amz_date
    if session_token:
        headers["x-amz-security-token"] = session_token
    names = sorted(headers)
    query = "&".join(
        sorted(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
            for k, v in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
        )
    )
    canonical = "\n".join(
        [
            method,
            parsed.path or "/",
            query,
            "".join(f"{n}:{headers[n]}\n" for n in names),
            ";".join(names),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def aws_token(audience=EXCHANGE_AUDIENCE, duration_seconds=300):
    """AWS: sts:GetWebIdentityToken (outbound identity federation), RS256, on the regional endpoint.

    Credentials from the environment; in a container or on EC2 set them from your SDK first.
    """
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    key_id = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not region or not key_id or not secret:
        raise TokenError("AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required")
    url = os.environ.get("AWS_ENDPOINT_URL_STS", f"https://sts.{region}.amazonaws.com/")
    body = urllib.parse.urlencode(
        {
            "Action": "GetWebIdentityToken",
            "Version": "2011-06-15",
            "Audience.member.1": audience,
            "SigningAlgorithm": "RS256",
            "DurationSeconds": str(duration_seconds),
        }
    ).encode()
    headers = _sign_aws(
        "POST",
        url,
        {"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        body,
        region,
        "sts",
        key_id,
        secret,
        os.environ.get("AWS_SESSION_TOKEN"),
    )
    text = _call(urllib.request.Request(url, data=body, headers=headers, method="POST"), "STS GetWebIdentityToken")
    match = re.search(r"<WebIdentityToken>([^<]+)</WebIdentityToken>", text)
    if not match:
        raise TokenError("STS answer has no WebIdentityToken")
    return match.group(1).strip()


def databricks_token(audience=EXCHANGE_AUDIENCE, credential=None):
    """Azure Databricks: the access connector's user-assigned managed identity.

    In a notebook or job pass the Unity Catalog service credential's provider:
    credential=dbutils.credentials.getServiceCredentialsProvider("<service credential>").
    Elsewhere on Azure the managed identity endpoint is asked (IDENTITY_ENDPOINT, else IMDS).
    """
    if credential is not None:
        return credential.get_token(f"{audience}/.default").token
    endpoint = os.environ.get("IDENTITY_ENDPOINT")
    identity_header = os.environ.get("IDENTITY_HEADER")
    params = {"resource": audience}
    if endpoint and identity_header:
        params["api-version"] = "2019-08-01"
        headers = {"X-IDENTITY-HEADER": identity_header}
    else:
        endpoint = "http://169.254.169.254/metadata/identity/oauth2/token"
        params["api-version"] = "2018-02-01"
        headers = {"Metadata": "true"}
    if os.environ.get("AZURE_CLIENT_ID"):
        params["client_id"] = os.environ["AZURE_CLIENT_ID"]
    request = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode(params)}", headers=headers)
    answer = json.loads(_call(request, "managed identity endpoint"))
    if "access_token" not in answer:
        raise TokenError("managed identity endpoint sent no access_token")
    return answer["access_token"]


def access_token(assertion, tenant_id, client_id, scope, assertion_audience=EXCHANGE_AUDIENCE):
    """Exchanges the platform token at Entra for an access token for `scope` (<app id uri>/.default)."""
    check(assertion, assertion_audience, "platform token")
    authority = os.environ.get("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com").rstrip("/")
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
    ).encode()
    request = urllib.request.Request(
        f"{authority}/{tenant_id}/oauth2/v2.0/token",
        data=body,
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        refusal = json.loads(error.read() or b"{}")
        codes = refusal.get("error_codes") or []
        code = f" AADSTS{codes[0]}" if codes else ""
        raise TokenError(f"Entra refused the exchange ({error.code} {refusal.get('error')}{code})") from None
    token = answer["access_token"]
    resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
    guid = resource[len("api://"):] if resource.startswith("api://") else resource
    c = claims(token)
    if c.get("aud") not in (resource, guid):
        raise TokenError(f"access token: aud {c.get('aud')!r} is not {resource}")
    check(token, c["aud"], "access token")
    return token


SOURCES = {"gcp": gcp_token, "aws": aws_token, "azureDatabricks": databricks_token}

if __name__ == "__main__":
    # python3 entra_token.py <gcp|aws|azureDatabricks>, with TENANT_ID, CLIENT_ID and SCOPE set.
    if len(sys.argv) != 2 or sys.argv[1] not in SOURCES:
        sys.exit(f"usage: python3 entra_token.py <{'|'.join(SOURCES)}>  (TENANT_ID, CLIENT_ID, SCOPE set)")
    try:
        token = access_token(SOURCES[sys.argv[1]](), os.environ["TENANT_ID"], os.environ["CLIENT_ID"], os.environ["SCOPE"])
    except (TokenError, KeyError) as error:
        sys.exit(f"no access token: {error}")
    c = claims(token)
    print(json.dumps({k: c.get(k) for k in ("aud", "azp", "roles", "exp")}))
