#!/bin/sh
# Development certificates for the compose demo, never for production:
#   ca.crt / ca.key                        a throwaway certificate authority
#   server.crt / server.key                Envoy's HTTPS listener (ECDSA P-256; localhost, envoy, api.example.com)
#   internal-services.crt / .key           the re-encrypted internal upstream (SAN internal-services)
#   portcullis.crt / .key                  Portcullis's own gRPC/HTTP listener, for server.tls (SAN portcullis)
#   envoy-client.crt / .key                Envoy's client certificate towards Portcullis (mTLS)
#
# Usage: scripts/dev-certs.sh [OUT_DIR]   (default envoy/certs; existing files are kept unless FORCE=1)
set -eu

out="${1:-envoy/certs}"
days=825
mkdir -p "$out"
cd "$out"

if [ -f ca.crt ] && [ -f server.crt ] && [ -f internal-services.crt ] && [ "${FORCE:-0}" != 1 ]; then
  echo "dev-certs: certificates already in $out (FORCE=1 to remake them)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout ca.key -out ca.crt -days 3650 -subj "/CN=Portcullis development CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME CN SANS USAGE: a key and a certificate signed by the CA.
issue() {
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$4" "$3" > "$tmp/$1.ext"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$1.key" -out "$tmp/$1.csr" -subj "/CN=$2" 2>/dev/null
  openssl x509 -req -in "$tmp/$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days "$days" -sha256 -extfile "$tmp/$1.ext" -out "$1.crt" 2>/dev/null
}

issue server api.example.com "DNS:localhost,DNS:envoy,DNS:api.example.com,IP:127.0.0.1" serverAuth
issue internal-services internal-services "DNS:internal-services" serverAuth
issue portcullis portcullis "DNS:portcullis,DNS:localhost,IP:127.0.0.1" serverAuth
issue envoy-client envoy "DNS:envoy" clientAuth

# The containers read these as other users (Envoy runs as uid 101, nginx workers as nginx): throwaway keys only.
chmod 0644 ./*.key ./*.crt
echo "dev-certs: wrote CA, server, internal-services, portcullis and envoy-client certificates to $out"
