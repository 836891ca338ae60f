#!/bin/bash
# Every rule of the VMM's seccomp allow-lists is needed and nothing
# outside them is called (docs/security.md "Is every rule needed?"):
# tests/security/check-allowlists, run in the suite like the other VM
# tests. About a minute and a half in the test host.
exec "$(dirname "$0")/../security/check-allowlists" "$@"
