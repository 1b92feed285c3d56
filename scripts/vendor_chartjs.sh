#!/usr/bin/env bash
# Refresh the dashboard's charting library from the npm registry: Chart.js's own UMD build and licence,
# unchanged. Usage: scripts/vendor_chartjs.sh [version]  (then commit the files and SOURCE it rewrites).
set -euo pipefail
version="${1:-4.6.2}"
target="$(cd "$(dirname "$0")/.." && pwd)/airflow_provider_direct/plugins/static/chartjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "chart.js@${version}")"
integrity="$(npm view "chart.js@${version}" dist.integrity)"
# npm pack verifies the tarball against the registry's integrity; check it again, explicitly.
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$integrity" ] || { echo "integrity mismatch: $actual != $integrity" >&2; exit 1; }
tar xzf "$tarball"
cp package/dist/chart.umd.min.js package/LICENSE.md "$target/"
{
  echo "chart.js ${version} from the npm registry (MIT licence: LICENSE.md), unchanged"
  echo "tarball integrity: ${integrity}"
  echo "sha256 chart.umd.min.js: $(sha256sum "$target/chart.umd.min.js" | cut -d' ' -f1)"
  echo "refresh: scripts/vendor_chartjs.sh <version>"
} > "$target/SOURCE"
cat "$target/SOURCE"
