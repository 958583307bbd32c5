// Command mint is the README's Go example of minting a Sift browser
// token, with the standard library only: a portal's backend runs the same
// few lines. Usage: go run mint.go KEY_ID SECRET USER
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// siftToken returns a browser token for one end user, valid for an hour.
func siftToken(keyID, secret string, claims map[string]any) string {
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	signingKey := mac([]byte(secret), "sift browser token v1")
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	head, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": keyID})
	body, _ := json.Marshal(claims)
	b64 := base64.RawURLEncoding.EncodeToString
	signed := b64(head) + "." + b64(body)
	return signed + "." + b64(mac(signingKey, signed))
}

func main() {
	fmt.Println(siftToken(os.Args[1], os.Args[2], map[string]any{
		"sub": os.Args[3], "org": "Acme Ltd", "products": []string{"cams"},
	}))
}
