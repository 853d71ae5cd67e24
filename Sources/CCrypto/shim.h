// libcrypto (OpenSSL 3, Debian's libssl-dev): HMAC-SHA256 and constant-time comparison.
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
