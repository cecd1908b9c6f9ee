# Sourced by the scripts that build tools from the Go module proxy.

# Go is part of the machine; a non-login shell may lack /usr/local/go/bin on its PATH.
find_go() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    printf '%s\n' /usr/local/go/bin/go
  else
    return 1
  fi
}
