/**
 * The copy-paste curl walkthrough of a complete poll flow, printed by `npm start` and shown in the
 * README. A test runs these exact commands against a running provider.
 */
export function walkthrough(issuer: string, initialAccessToken: string): string {
  return `A complete poll flow, copy-paste (bash; needs curl and node):

  ISSUER=${issuer}
  IAT=${initialAccessToken}

  # 1. Register a poll-mode client (RFC 7591)
  REG=$(curl -s "$ISSUER/register" -H "Authorization: Bearer $IAT" -H 'Content-Type: application/json' \\
    -d '{"client_name":"Curl walkthrough","backchannel_token_delivery_mode":"poll","token_endpoint_auth_method":"client_secret_basic"}')
  CLIENT_ID=$(node -p 'JSON.parse(process.argv[1]).client_id' "$REG")
  CLIENT_SECRET=$(node -p 'JSON.parse(process.argv[1]).client_secret' "$REG")

  # 2. Ask for jane.doe's authentication and consent (CIBA backchannel request)
  AUTH=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" "$ISSUER/bc-authorize" -d scope=openid -d login_hint=jane.doe \\
    --data-urlencode 'binding_message=Allow ExampleBank to transfer £500.00 from your Current account to account ending 5589?')
  echo "$AUTH"
  AUTH_REQ_ID=$(node -p 'JSON.parse(process.argv[1]).auth_req_id' "$AUTH")

  # 3. Poll: the user has not answered yet -> {"error":"authorization_pending",...}
  curl -s -u "$CLIENT_ID:$CLIENT_SECRET" "$ISSUER/token" -d grant_type=urn:openid:params:grant-type:ciba -d auth_req_id="$AUTH_REQ_ID"; echo

  # 4. Approve: open ${issuer}/simulator, enter jane.doe, press Allow, then Confirm with PIN.
  #    (Unattended instead: curl -s -X POST "$ISSUER/test/ciba/approve?auth_req_id=$AUTH_REQ_ID&action=allow")

  # 5. Poll again (at least 5 s after the last poll): the tokens
  TOKENS=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" "$ISSUER/token" -d grant_type=urn:openid:params:grant-type:ciba -d auth_req_id="$AUTH_REQ_ID")
  echo "$TOKENS"

  # 6. Verify the ID token against the provider's JWKS
  npx tsx scripts/verify-id-token.ts "$ISSUER" "$CLIENT_ID" "$(node -p 'JSON.parse(process.argv[1]).id_token' "$TOKENS")"
`;
}
