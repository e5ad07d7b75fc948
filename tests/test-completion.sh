#!/bin/bash
# Bash completion against the option table: every option that takes a value
# (virt-migrate --help-all: "--name=VALUE") is in the completion's list and
# nothing else is; a value position offers nothing (not URIs or guests);
# subcommands and URIs are still offered where they belong. No libvirtd.
#   tests/test-completion.sh BUILD-DIR SOURCE-DIR
set -euo pipefail
build=$1 source=$2
cli=$build/tools/virt-migrate
. "$(dirname "$0")/tap.sh"
echo "1..2"

from_help=$("$cli" --help-all | sed -n 's/^ *\(-[a-z], \)\?\(--[a-z-]*\)=.*/\2/p' | sort -u)
[ "$(echo "$from_help" | wc -l)" -ge 30 ] || fail "too few options with a value in --help-all: $from_help"
listed=$(sed -n "s/^_virt_migrate_valued='@(\(.*\))'$/\1/p" "$source/data/virt-migrate.bash-completion" |
  tr '|' '\n' | grep -- '^--' | sort -u)
missing=$(comm -23 <(echo "$from_help") <(echo "$listed"))
extra=$(comm -13 <(echo "$from_help") <(echo "$listed"))
[ -z "$missing" ] && [ -z "$extra" ] ||
  fail "completion and --help-all disagree: missing [$(echo $missing)], extra [$(echo $extra)]"
ok "the completion knows every option that takes a value ($(echo "$from_help" | wc -l) of them), and no other"

# Run it as bash does for <TAB>, with virt-migrate and virsh from here.
complete_words() { # WORDS... (the last one being completed)
	bash -c '
	. /usr/share/bash-completion/bash_completion
	. "$1/data/virt-migrate.bash-completion"
	virsh() { echo guest1; echo guest2; }
	shift
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	_virt_migrate virt-migrate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf "%s\n" "${COMPREPLY[@]}"' _ "$source" "$@"
}
for opt in --timeout --disk-map --network-map --graphicsuri --postcopy-bandwidth --postcopy-recovery-timeout \
	--comp-mt-level --comp-mt-threads --comp-mt-dthreads --comp-xbzrle-cache --auto-converge-initial \
	--auto-converge-increment; do
	got=$(complete_words "$cli" --live "$opt" "")
	[ -z "$got" ] || fail "$opt <TAB> offers: $(echo $got)"
done
got=$(complete_words "$cli" --timeout 30 "")
grep -qx jobs <<<"$got" && grep -qx guest1 <<<"$got" || fail "after --timeout 30, no subcommands or guests: $got"
got=$(complete_words "$cli" --timeout 30 guest1 "qemu+")
grep -qx "qemu+ssh://" <<<"$got" || fail "no destination URIs after the guest: $got"
ok "a value position offers nothing (--timeout, --disk-map, --graphicsuri … <TAB>); after '--timeout 30' the guests and subcommands, then destination URIs"
