#!/usr/bin/env bash
# What a user installs is what we test: `npm pack` the package, install the tarball into a scratch
# app outside the repository with only aws-cdk-lib and constructs next to it, synthesize a stack
# with CanaryFargateService and one with CanaryDeployment on imported resources, lint the
# templates, and run the installed `canary` bin. Slow (an npm install), so it runs in .ci/run,
# not in jest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/canary-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "pack test: $*" >&2; exit 1; }

cd "$root"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack produced no tarball"

# Contents: the library compiled by jsii with its assembly (.jsii, for the other CDK languages),
# the CLI bundled into one file and the pre-built Lambda bundles; nothing from the repo's tests,
# benchmarks, examples or TypeScript sources, and no unbundled CLI (dist/src).
tar -tzf "$tarball" | sed 's#^package/##' | sort > "$work/contents.txt"
for must in dist/lib/index.js dist/lib/index.d.ts dist/bin/canary.js .jsii \
            assets/before-allow-traffic/index.js assets/stepper/index.js assets/release/index.js; do
  grep -qx "$must" "$work/contents.txt" || fail "the package lacks $must"
done
if grep -E '^(test|bench|examples|scripts|lib|lambda|src|bin)/|^dist/(test|src|lambda)/|\.test\.|^assets/\.meta/' "$work/contents.txt"; then
  fail "the package ships files that are not for users (listed above)"
fi
# jsii accepts only jsii modules as dependencies: the SDK clients, commander and Powertools are
# bundled into the CLI and the Lambda code, so the published package.json has none.
tar -xzf "$tarball" -C "$work" package/package.json
node -e 'const p = require(process.argv[1]); const d = Object.keys(p.dependencies || {}); if (d.length) { console.error(d.join(" ")); process.exit(1); }' "$work/package/package.json" \
  || fail "the published package.json has runtime dependencies (listed above)"

# A scratch app outside the repository: the package and its two peer dependencies, no more.
app="$work/app"
mkdir "$app"
cp "$root/scripts/pack-app/app.js" "$app/app.js"
cdklib=$(node -p "require('$root/node_modules/aws-cdk-lib/package.json').version")
constructs=$(node -p "require('$root/node_modules/constructs/package.json').version")
cd "$app"
echo '{ "name": "canary-pack-app", "version": "1.0.0", "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" "aws-cdk-lib@$cdklib" "constructs@$constructs" > "$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "npm install of the tarball failed"; }
for tool in esbuild ts-node typescript commander @aws-sdk/client-codedeploy @aws-lambda-powertools/logger; do
  [ ! -e "node_modules/$tool" ] || fail "$tool got installed with the package: a consumer needs only aws-cdk-lib and constructs"
done

# Synthesize with Docker made unusable: bundling or an image build would fail loudly.
CDK_DOCKER=/bin/false node app.js "$app/cdk.out" || fail "the consumer app does not synthesize"
for stack in PackShop PackExisting; do
  t="$app/cdk.out/$stack.template.json"
  [ -f "$t" ] || fail "no template for $stack"
  grep -q '"AWS::CodeDeploy::DeploymentGroup"' "$t" || fail "$stack has no deployment group"
  grep -q '"AWS::Lambda::Function"' "$t" || fail "$stack has no hook functions"
done
if command -v cfn-lint > /dev/null; then
  # Errors fail; warnings (W3005 on the DependsOn aws-cdk-lib adds itself) are not ours to fix.
  # An older cfn-lint learns the listener Tags CloudFormation added in 2026 (the script's header).
  mkdir -p "$work/schemas" && python3 "$root/scripts/cfn-lint-listener-tags.py" "$work/schemas" > /dev/null
  cfn-lint --non-zero-exit-code error --format parseable --registry-schemas "$work/schemas" -- "$app"/cdk.out/*.template.json > "$work/lint.txt" \
    || { grep -v ':W' "$work/lint.txt" >&2; fail "cfn-lint reports errors in the consumer's templates"; }
fi

# The installed bin answers.
./node_modules/.bin/canary --help > "$work/help.txt" || fail "canary --help failed from the installed bin"
grep -q 'rehearse' "$work/help.txt" || fail "canary --help does not list its commands"
echo "pack test: ok ($(wc -l < "$work/contents.txt") files in $(basename "$tarball"))"
