#!/usr/bin/env bash
# Must-show 2 against the running demo: file → route → answer → approve → read → rate.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
B=${BASE:-http://127.0.0.1:8000}/api/v1
OTP() { "$PY" -c "import pyotp; print(pyotp.TOTP('NARADEMOTOTPSECRETBASE32AAAAAAAA').now())"; }
j() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
CIT=$(curl -sf -X POST $B/auth/token -H 'Content-Type: application/json' -d '{"email":"citizen7@demo.nara.kr","password":"nara-demo"}' | j 'd["token"]')
FILED=$(curl -sf -X POST $B/complaints -H "Authorization: Bearer $CIT" -H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' \
  -d '{"kind":"grievance","title":"광화문 앞 포트홀","body":"세종대로 광화문 앞 2차로에 포트홀이 있습니다.","category":"roads","location":{"address":"서울 종로구 세종대로 172","region":"11110"}}')
echo "filed:    $FILED" | cut -c1-400
NO=$(echo "$FILED" | j 'd["receipt_no"]'); UNIT=$(echo "$FILED" | j 'd["unit"]["code"]')
HAN=$(curl -sf -X POST $B/auth/token -H 'Content-Type: application/json' -d "{\"email\":\"handler.$UNIT@demo.nara.kr\",\"password\":\"nara-demo\",\"otp\":\"$(OTP)\"}" | j 'd["token"]')
curl -sf "$B/inbox?q=$NO" -H "Authorization: Bearer $HAN" | j '"inbox: " + str([c["receipt_no"] for c in d["items"]])'
curl -sf -X POST $B/complaints/$NO/answer -H "Authorization: Bearer $HAN" -H 'Content-Type: application/json' -d '{"body":"이번 주 금요일까지 보수하겠습니다."}' | j '"after answer: " + d["status"]'
APP=$(curl -sf -X POST $B/auth/token -H 'Content-Type: application/json' -d "{\"email\":\"approver.$UNIT@demo.nara.kr\",\"password\":\"nara-demo\",\"otp\":\"$(OTP)\"}" | j 'd["token"]')
curl -sf -X POST $B/complaints/$NO/approve -H "Authorization: Bearer $APP" -H 'Content-Type: application/json' -d '{}' | j '"after approve: " + d["status"]'
curl -sf $B/complaints/$NO -H "Authorization: Bearer $CIT" | j '"citizen reads: " + d["answer"]'
curl -sf -X POST $B/complaints/$NO/rating -H "Authorization: Bearer $CIT" -H 'Content-Type: application/json' -d '{"rating":5,"comment":"감사합니다"}' | j '"after rating: " + d["status"] + " " + str(d["rating"])'
