#!/bin/sh
# Seeds the SIP fuzz corpora with the RFC 4475 / RFC 5118 torture messages (small files; the
# corpora themselves are generated and not committed, see .gitignore).
#   ./seed.sh [testdata-dir]   (default: ../../shared/testdata/sip-torture, i.e. /work/shared/…)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../../shared/testdata/sip-torture}
if [ ! -d "$data/rfc4475" ]; then
    echo "torture messages not found in $data" >&2
    exit 1
fi
for target in sip_parse sip_transaction; do
    mkdir -p "$here/corpus/$target"
    for dir in rfc4475 rfc5118; do
        for f in "$data/$dir"/*; do
            case "$(basename "$f")" in
                *.tsv | *.txt | SHA256SUMS) continue ;;
            esac
            cp "$f" "$here/corpus/$target/$dir-$(basename "$f")"
        done
    done
done
echo "seeded: $(ls "$here/corpus/sip_parse" | wc -l) files per target"
