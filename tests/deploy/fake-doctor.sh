#!/usr/bin/env bash
# A stand-in for mcp-doctor (MCP_DOCTOR in test_deploy.sh; named .sh only so that shellcheck tests/deploy/*.sh covers it): records its
# arguments in $DOCTOR_LOG and prints PASS/WARN/FAIL lines and a summary the
# way `mcp-doctor URL` does; exits with $FAKE_DOCTOR_RC (default 0).
set -euo pipefail
printf '%s\n' "$*" >>"${DOCTOR_LOG:?DOCTOR_LOG must name the call log}"
echo "PASS  GET /health answers 200"
echo "PASS  POST $1 without a token: 401 with a Bearer challenge"
if [ "${FAKE_DOCTOR_RC:-0}" = 1 ]; then
  echo "FAIL  authorization server metadata: issuer does not match"
  echo "summary: 2 passed, 0 warnings, 1 failed"
else
  echo "summary: 2 passed, 0 warnings, 0 failed"
fi
exit "${FAKE_DOCTOR_RC:-0}"
