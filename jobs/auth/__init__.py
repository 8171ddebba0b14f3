"""The trust boundary of the REST API (docs/security.md).

- `models.ApiToken` and `tokens`: API tokens (a hashed secret, the partitions and rights they
  grant, the job types and task pipes they may send) and the service that makes and checks them.
- `authentication`: DRF reads `Authorization: Bearer <secret>`.
- `permissions`: what a request may do, decided once on the path's partition; the checks of a
  new job's definition against its token.
- `status_signature`: the signed statusCheckUrl that lets workers check a job without a token.
- `cross_site`: unsafe requests from another site's pages are refused.
- `operators`: the Operators group of the admin.
"""
