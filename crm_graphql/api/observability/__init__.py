"""What operators see of a running server: per-request records, metrics, logs, health.

One :class:`~crm_graphql.api.observability.record.RequestRecord` is made per HTTP
request by :class:`~crm_graphql.api.observability.middleware.ObservabilityMiddleware`;
the GraphQL extension, the SQL statement counter and the limits fill it in, and when
the response is sent it becomes Prometheus metrics and one log line.
"""
