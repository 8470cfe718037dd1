-- wrk script: the seed 000 create-draft request, as the perf baseline measured it.
wrk.method = "POST"
wrk.body = '{"dataset_group_id": 123}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-KEY"] = "pl-demo-key"
