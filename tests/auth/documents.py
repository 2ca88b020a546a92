"""GraphQL documents the auth tests send."""

from __future__ import annotations

SESSION_FIELDS = "accessToken tokenType expiresAt refreshToken refreshTokenExpiresAt"

LOGIN = f"""
mutation Login($email: String!, $password: String!) {{
  login(email: $email, password: $password) {{ {SESSION_FIELDS} email role user {{ id name }} }}
}}
"""

REFRESH = f"""
mutation Refresh($token: String!) {{
  refreshToken(token: $token) {{ {SESSION_FIELDS} user {{ id name }} }}
}}
"""

LOGOUT = (
    "mutation Logout($everywhere: Boolean) { logout(everywhere: $everywhere) { endedSessions } }"
)

ME = "{ me { id name role kind user { id name } } }"

#: A protected operation that reads data: a refused one must not return any.
USERS = "{ users { totalCount nodes { name } } }"

CREATE_API_KEY = """
mutation Create($name: String!, $role: Role!) {
  createApiKey(name: $name, role: $role) {
    key apiKey { id name prefix role createdAt lastUsedAt revokedAt createdBy { name } }
  }
}
"""

REVOKE_API_KEY = "mutation Revoke($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"

API_KEYS = """
query Keys($includeRevoked: Boolean) {
  apiKeys(includeRevoked: $includeRevoked) {
    totalCount nodes { id name prefix role lastUsedAt revokedAt }
  }
}
"""

UNAUTHENTICATED = {
    "data": None,
    "errors": [{"message": "Authentication required.", "extensions": {"code": "UNAUTHENTICATED"}}],
}
