"""AgentCore beyond datasets, driven by boto3 unmodified over a real socket: the operations the
generated tier serves (workload identities, memories, gateways and their targets), with SigV4,
AWS's rest-json exceptions, asynchronous status on the virtual clock, botocore's paginators and
waiters, and each account, region and session apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import WaiterError

from tests.conftest import ASYNC_DELAY, Mock
from tests.support.agentcore import STATIC_AUTH, client, error_of

ROLE = "arn:aws:iam::123456789012:role/agentcore-gateway"
LAMBDA_TARGET = {
    "mcp": {
        "lambda": {
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:lookup-order",
            "toolSchema": {
                "inlinePayload": [
                    {
                        "name": "lookup_order",
                        "description": "Find an order by its number",
                        "inputSchema": {"type": "object"},
                    }
                ]
            },
        }
    }
}
IAM_CREDENTIALS = [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]


# The default fixture gives us-east-1 of account 123456789012 records to show; these tests start
# from an empty region of that account.
EMPTY_REGION = "us-west-2"


@pytest.fixture
def ac(mock: Mock) -> Iterator[Any]:
    yield client(mock.url, region=EMPTY_REGION)
    httpx.delete(f"{mock.url}/__draftmock/progression")


def new_gateway(ac: Any, name: str = "orders-gateway") -> dict[str, Any]:
    made: dict[str, Any] = ac.create_gateway(
        name=name, roleArn=ROLE, protocolType="MCP", authorizerType="NONE"
    )
    return made


# -- workload identities: synchronous, addressed by name in the body ----------------------------


def test_workload_identity_lifecycle(ac: Any) -> None:
    made = ac.create_workload_identity(
        name="support-agent", allowedResourceOauth2ReturnUrls=["https://app.example.com/cb"]
    )
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert made["name"] == "support-agent"
    assert made["allowedResourceOauth2ReturnUrls"] == ["https://app.example.com/cb"]

    got = ac.get_workload_identity(name="support-agent")
    assert got["workloadIdentityArn"] == made["workloadIdentityArn"]
    assert got["createdTime"] == got["lastUpdatedTime"]

    listed = ac.list_workload_identities()["workloadIdentities"]
    assert listed == [{"name": "support-agent", "workloadIdentityArn": made["workloadIdentityArn"]}]

    ac.update_workload_identity(
        name="support-agent", allowedResourceOauth2ReturnUrls=["https://app.example.com/cb2"]
    )
    again = ac.get_workload_identity(name="support-agent")
    assert again["allowedResourceOauth2ReturnUrls"] == ["https://app.example.com/cb2"]
    assert again["workloadIdentityArn"] == made["workloadIdentityArn"]

    deleted = ac.delete_workload_identity(name="support-agent")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ac.exceptions.ResourceNotFoundException) as caught:
        ac.get_workload_identity(name="support-agent")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "support-agent" in caught.value.response["Error"]["Message"]
    assert ac.list_workload_identities()["workloadIdentities"] == []


def test_workload_identity_errors_are_the_services_exceptions(ac: Any) -> None:
    ac.create_workload_identity(name="twice")
    with pytest.raises(ac.exceptions.ConflictException) as conflict:
        ac.create_workload_identity(name="twice")
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409

    with pytest.raises(ac.exceptions.ValidationException) as invalid:
        ac.create_workload_identity(name="not a name!")
    response = invalid.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["reason"] == "FieldValidationFailed"
    assert [f["name"] for f in response["fieldList"]] == ["name"]

    with pytest.raises(ac.exceptions.ResourceNotFoundException):
        ac.update_workload_identity(name="never-made")


# -- memories: CREATING -> ACTIVE, DELETING -> gone -----------------------------------------------


def test_memory_status_moves_on_the_virtual_clock(mock: Mock, ac: Any) -> None:
    made = ac.create_memory(name="support_memory", eventExpiryDuration=30)["memory"]
    assert made["status"] == "CREATING"
    assert made["name"] == "support_memory"
    memory_id = made["id"]

    mock.advance(ASYNC_DELAY - 0.5)
    assert ac.get_memory(memoryId=memory_id)["memory"]["status"] == "CREATING"
    mock.advance(0.5)
    active = ac.get_memory(memoryId=memory_id)["memory"]
    assert active["status"] == "ACTIVE"
    assert active["eventExpiryDuration"] == 30
    summary = ac.list_memories()["memories"]
    assert [(m["id"], m["status"]) for m in summary] == [(memory_id, "ACTIVE")]

    updated = ac.update_memory(memoryId=memory_id, eventExpiryDuration=60)["memory"]
    assert (updated["status"], updated["eventExpiryDuration"]) == ("UPDATING", 60)
    mock.advance(ASYNC_DELAY)
    assert ac.get_memory(memoryId=memory_id)["memory"]["status"] == "ACTIVE"

    deleting = ac.delete_memory(memoryId=memory_id)
    assert deleting["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (deleting["memoryId"], deleting["status"]) == (memory_id, "DELETING")
    assert ac.get_memory(memoryId=memory_id)["memory"]["status"] == "DELETING"
    mock.advance(ASYNC_DELAY)
    with pytest.raises(ac.exceptions.ResourceNotFoundException):
        ac.get_memory(memoryId=memory_id)
    assert ac.list_memories()["memories"] == []


def test_memory_created_waiter_polls_until_active(mock: Mock, ac: Any) -> None:
    rule = {"api": "agentcore", "operation": "CreateMemory", "mode": "polls", "polls": 3}
    assert httpx.put(f"{mock.url}/__draftmock/progression", json=rule).status_code == 200
    memory_id = ac.create_memory(name="waited", eventExpiryDuration=7)["memory"]["id"]
    reads: list[str] = []

    def seen(parsed: dict[str, Any], **_: Any) -> None:
        reads.append(parsed["memory"]["status"])

    ac.meta.events.register("after-call.bedrock-agentcore-control.GetMemory", seen)
    ac.get_waiter("memory_created").wait(
        memoryId=memory_id, WaiterConfig={"Delay": 0, "MaxAttempts": 10}
    )
    assert reads == ["CREATING", "CREATING", "ACTIVE"]


def test_a_failed_memory_creation_fails_the_waiter(mock: Mock, ac: Any) -> None:
    mock.admin("jobs/fail", {"api": "agentcore", "operation": "CreateMemory"})
    memory_id = ac.create_memory(name="doomed", eventExpiryDuration=7)["memory"]["id"]
    mock.advance(ASYNC_DELAY)
    assert ac.get_memory(memoryId=memory_id)["memory"]["status"] == "FAILED"
    with pytest.raises(WaiterError):
        ac.get_waiter("memory_created").wait(
            memoryId=memory_id, WaiterConfig={"Delay": 0, "MaxAttempts": 2}
        )


# -- gateways and their targets -----------------------------------------------------------------


def test_gateway_and_its_targets(mock: Mock, ac: Any) -> None:
    gateway = new_gateway(ac)
    assert gateway["status"] == "CREATING"
    assert (gateway["name"], gateway["roleArn"]) == ("orders-gateway", ROLE)
    gateway_id = gateway["gatewayId"]
    mock.advance(ASYNC_DELAY)
    assert ac.get_gateway(gatewayIdentifier=gateway_id)["status"] == "READY"
    listed = ac.list_gateways()["items"]
    assert [(g["gatewayId"], g["status"]) for g in listed] == [(gateway_id, "READY")]

    target = ac.create_gateway_target(
        gatewayIdentifier=gateway_id,
        name="lookup-orders",
        targetConfiguration=LAMBDA_TARGET,
        credentialProviderConfigurations=IAM_CREDENTIALS,
    )
    assert (target["name"], target["status"]) == ("lookup-orders", "CREATING")
    mock.advance(ASYNC_DELAY)
    got = ac.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target["targetId"])
    assert got["status"] == "READY"
    assert got["targetConfiguration"] == LAMBDA_TARGET
    targets = ac.list_gateway_targets(gatewayIdentifier=gateway_id)["items"]
    assert [t["targetId"] for t in targets] == [target["targetId"]]

    # Another gateway has no targets; an unknown one is not found.
    other = new_gateway(ac, "billing-gateway")["gatewayId"]
    assert ac.list_gateway_targets(gatewayIdentifier=other)["items"] == []
    code, status, _ = error_of(ac.list_gateway_targets, gatewayIdentifier="nogateway-abcdefghij")
    assert (code, status) == ("ResourceNotFoundException", 404)

    updated = ac.update_gateway(
        gatewayIdentifier=gateway_id,
        name="orders-gateway",
        roleArn=ROLE,
        protocolType="MCP",
        authorizerType="NONE",
        description="Order tools",
    )
    assert (updated["status"], updated["description"]) == ("UPDATING", "Order tools")
    mock.advance(ASYNC_DELAY)
    assert ac.get_gateway(gatewayIdentifier=gateway_id)["status"] == "READY"

    assert ac.delete_gateway(gatewayIdentifier=gateway_id)["status"] == "DELETING"
    mock.advance(ASYNC_DELAY)
    with pytest.raises(ac.exceptions.ResourceNotFoundException):
        ac.get_gateway(gatewayIdentifier=gateway_id)
    with pytest.raises(ac.exceptions.ResourceNotFoundException):
        ac.list_gateway_targets(gatewayIdentifier=gateway_id)


# -- paginators ---------------------------------------------------------------------------------


def test_paginators_walk_every_page(mock: Mock, ac: Any) -> None:
    names = [f"agent-{i}" for i in range(5)]
    for name in names:
        ac.create_workload_identity(name=name)
    pages = list(
        ac.get_paginator("list_workload_identities").paginate(PaginationConfig={"PageSize": 2})
    )
    assert [len(p["workloadIdentities"]) for p in pages] == [2, 2, 1]
    assert [w["name"] for p in pages for w in p["workloadIdentities"]] == names
    assert "nextToken" in pages[0] and "nextToken" not in pages[-1]

    for i in range(3):
        ac.create_memory(name=f"memory_{i}", eventExpiryDuration=7)
    mock.advance(ASYNC_DELAY)
    everything = (
        ac.get_paginator("list_memories")
        .paginate(PaginationConfig={"PageSize": 2})
        .build_full_result()
    )
    assert [m["status"] for m in everything["memories"]] == ["ACTIVE"] * 3
    capped = (
        ac.get_paginator("list_memories")
        .paginate(PaginationConfig={"PageSize": 1, "MaxItems": 2})
        .build_full_result()
    )
    assert len(capped["memories"]) == 2 and "NextToken" in capped


# -- isolation: accounts, regions, sessions ------------------------------------------------------


def test_accounts_regions_and_sessions_are_apart(mock: Mock, ac: Any) -> None:
    ac.create_workload_identity(name="mine")
    other_account = client(mock.url, key="draftmock-other")
    other_region = client(mock.url, region="eu-west-1")
    assert other_account.list_workload_identities()["workloadIdentities"] == []
    assert other_region.list_workload_identities()["workloadIdentities"] == []
    with pytest.raises(other_account.exceptions.ResourceNotFoundException):
        other_account.get_workload_identity(name="mine")
    other_account.create_workload_identity(name="mine")  # no conflict across accounts

    in_session = client(mock.url, region=EMPTY_REGION)

    def to_session(request: Any, **_: Any) -> None:
        request.headers["X-Draftmock-Session"] = "whole-api"

    in_session.meta.events.register("before-sign.bedrock-agentcore-control", to_session)
    assert in_session.list_workload_identities()["workloadIdentities"] == []
    in_session.create_workload_identity(name="session-only")
    names = [w["name"] for w in ac.list_workload_identities()["workloadIdentities"]]
    assert names == ["mine"]


def test_an_unsigned_call_is_access_denied(mock: Mock) -> None:
    response = httpx.post(f"{mock.url}/agentcore/identities/ListWorkloadIdentities", json={})
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"


# -- a frontend's agent console ------------------------------------------------------------------


def test_an_agent_console_page(mock: Mock) -> None:
    """What a browser page does against the mock (signed by its backend-for-frontend): build an
    agent from an identity, a memory and a gateway, poll until they are usable, show them."""
    page = httpx.Client(
        base_url=f"{mock.url}/agentcore",
        headers={"Authorization": STATIC_AUTH, "Origin": "http://localhost:5173"},
        timeout=30,
    )
    made = page.post("/identities/CreateWorkloadIdentity", json={"name": "console-agent"})
    assert made.status_code == 201
    memory = page.post(
        "/memories/create", json={"name": "console_memory", "eventExpiryDuration": 14}
    )
    assert memory.status_code == 202
    memory_id = memory.json()["memory"]["id"]
    gateway = page.post(
        "/gateways/",
        json={
            "name": "console-gw",
            "roleArn": ROLE,
            "protocolType": "MCP",
            "authorizerType": "NONE",
        },
    )
    assert gateway.status_code == 202
    gateway_id = gateway.json()["gatewayId"]

    statuses = []
    for _ in range(3):  # the page polls every second
        statuses.append(
            (
                page.get(f"/memories/{memory_id}/details").json()["memory"]["status"],
                page.get(f"/gateways/{gateway_id}/").json()["status"],
            )
        )
        mock.advance(1)
    assert statuses == [("CREATING", "CREATING"), ("CREATING", "CREATING"), ("ACTIVE", "READY")]

    identities = page.post("/identities/ListWorkloadIdentities", json={}).json()
    memories = page.post("/memories/", json={}).json()
    gateways = page.get("/gateways/").json()
    # beside what the default fixture gives the account to show
    names = {i["name"] for i in identities["workloadIdentities"]}
    assert names == {"support-agent-identity", "console-agent"}
    assert {m["id"] for m in memories["memories"]} == {"support_memory-Qx7Lm2Np4R", memory_id}
    assert {g["name"] for g in gateways["items"]} == {"orders-gateway", "console-gw"}
    missing = page.get("/memories/gone-abcdefghij/details")
    assert missing.status_code == 404
    assert missing.headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert missing.json() == {"message": "Memory gone-abcdefghij not found"}


@pytest.mark.parametrize("path", ["/datasets", "/memories/create"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_cannot_be_parsed(mock: Mock, path: str, content_type: str) -> None:
    """AWS reads a rest-json body as JSON whatever its Content-Type says."""
    response = httpx.post(
        f"{mock.url}/agentcore{path}",
        content=b"name=x",
        headers={"Authorization": STATIC_AUTH, "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert response.json()["reason"] == "CannotParse"


def test_tags_on_a_gateway_and_on_a_dataset(ac: Any) -> None:
    gateway_arn = new_gateway(ac)["gatewayArn"]
    assert ac.list_tags_for_resource(resourceArn=gateway_arn)["tags"] == {}
    ac.tag_resource(resourceArn=gateway_arn, tags={"team": "orders", "stage": "dev"})
    ac.untag_resource(resourceArn=gateway_arn, tagKeys=["stage"])
    assert ac.list_tags_for_resource(resourceArn=gateway_arn)["tags"] == {"team": "orders"}
    other = client_for_other_account(ac)
    assert other.list_tags_for_resource(resourceArn=gateway_arn)["tags"] == {}

    home = client(ac.meta.endpoint_url.removesuffix("/agentcore"))  # the fixture's region
    dataset = home.get_dataset(datasetId="support_eval-Ab12Cd34Ef")
    before = home.list_tags_for_resource(resourceArn=dataset["datasetArn"])["tags"]
    assert before == dataset.get("tags", {})
    home.tag_resource(resourceArn=dataset["datasetArn"], tags={"owner": "qa"})
    assert home.get_dataset(datasetId="support_eval-Ab12Cd34Ef")["tags"] == {
        **before,
        "owner": "qa",
    }


def client_for_other_account(ac: Any) -> Any:
    return client(ac.meta.endpoint_url.removesuffix("/agentcore"), key="draftmock-other")


# -- ARNs: the caller's account and region, as AWS writes them ---------------------------------


def test_generated_arns_name_the_callers_account_and_region(mock: Mock, ac: Any) -> None:
    memory = ac.create_memory(name="arn_memory", eventExpiryDuration=30)["memory"]
    assert memory["arn"] == (
        f"arn:aws:bedrock-agentcore:us-west-2:123456789012:memory/{memory['id']}"
    )
    assert memory["id"].startswith("arn_memory-") and len(memory["id"]) == len("arn_memory-") + 10
    assert ac.get_memory(memoryId=memory["id"])["memory"]["arn"] == memory["arn"]
    gateway = new_gateway(ac, "arn-gateway")
    assert gateway["gatewayId"].startswith("arn-gateway-")
    assert gateway["gatewayArn"] == (
        f"arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/{gateway['gatewayId']}"
    )
    other = client(mock.url, key="draftmock-other", region="eu-west-1")
    identity = other.create_workload_identity(name="arn-identity")
    assert identity["workloadIdentityArn"] == (
        "arn:aws:bedrock-agentcore:eu-west-1:210987654321:"
        "workload-identity-directory/default/workload-identity/arn-identity"
    )


def test_a_fresh_mock_shows_the_fixtures_memories_gateways_and_identities(mock: Mock) -> None:
    fresh = client(mock.url)  # us-east-1, where the default fixture keeps them
    memories = fresh.list_memories()["memories"]
    assert [(m["id"], m["status"]) for m in memories] == [("support_memory-Qx7Lm2Np4R", "ACTIVE")]
    memory = fresh.get_memory(memoryId="support_memory-Qx7Lm2Np4R")["memory"]
    assert memory["arn"].endswith(":123456789012:memory/support_memory-Qx7Lm2Np4R")
    gateways = fresh.list_gateways()["items"]
    assert [(g["name"], g["status"]) for g in gateways] == [("orders-gateway", "READY")]
    identities = fresh.list_workload_identities()["workloadIdentities"]
    assert [w["name"] for w in identities] == ["support-agent-identity"]
