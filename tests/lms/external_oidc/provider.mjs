// A real OpenID Connect provider (the npm package oidc-provider) for the external sign-in tests.
//   node provider.mjs PORT REDIRECT_URI ACCOUNTS_JSON
// ACCOUNTS_JSON maps a login to its claims ({"anna": {"email": "...", "email_verified": true, ...}}).
// Its built-in development log-in page accepts any password for a known login. Prints "ready" once
// it listens on 127.0.0.1:PORT.
import Provider from "oidc-provider";

const [port, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "lyceum-portal",
      client_secret: "external-oidc-test-secret",
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
  },
  pkce: { required: () => true },
  cookies: { keys: ["external-oidc-test-cookie-key"] },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => console.log("ready"));
