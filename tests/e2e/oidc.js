// A real OpenID provider (npm oidc-provider) configured like ProConnect, for the
// browser tests: scopes and claims given_name, usual_name, email, uid, siret; ID
// tokens signed ES256, userinfo returned as a JWT signed RS256; acr "eidas1" and amr
// set at sign-in; no consent screen; logout through end_session. Test-only.
//
// Environment: OIDC_PORT (listen), APP_URL (the Cohésion server), OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_SIRET (claim of every account).
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const app = process.env.APP_URL;

const key = (type, options, kid, alg) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig',
});

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [`${app}/connexion/proconnect/retour`],
    post_logout_redirect_uris: [`${app}/connexion?info=deconnexion`],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
    userinfo_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [key('rsa', { modulusLength: 2048 }, 'rsa-1', 'RS256'), key('ec', { namedCurve: 'P-256' }, 'ec-1', 'ES256')] },
  scopes: ['openid', 'email', 'given_name', 'usual_name', 'uid', 'siret'],
  claims: {
    openid: ['sub'], email: ['email'], given_name: ['given_name'], usual_name: ['usual_name'], uid: ['uid'], siret: ['siret'],
  },
  acrValues: ['eidas1'],
  enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'], userinfoSigningAlgValues: ['RS256', 'ES256'] },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // ProConnect logs out without asking.
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html lang="fr"><head><title>Déconnexion</title></head><body>${form}<script>
const f = document.forms[0]; const i = document.createElement('input');
i.type = 'hidden'; i.name = 'logout'; i.value = 'yes'; f.appendChild(i); f.submit();</script></body></html>`;
      },
    },
  },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: `${id}@interieur.gouv.fr`, given_name: 'Agathe', usual_name: 'Dupont', uid: `uid-${id}`,
          siret: process.env.OIDC_SIRET,
        };
      },
    };
  },
});

const page = (uid) => `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur d'identité de test</title></head>
<body><main><h1>Fournisseur d'identité de test</h1>
<form method="post" action="/interaction/${uid}/login">
<label for="login">Identifiant</label> <input id="login" name="login" required>
<button type="submit">Se connecter</button></form></main></body></html>`;

// The provider's own routes, plus a ProConnect-like sign-in page (no consent screen).
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  if (!match) return provider.callback()(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login' && req.method === 'POST' && match[2]) {
      let body = '';
      for await (const chunk of req) body += chunk;
      const login = new URLSearchParams(body).get('login');
      return provider.interactionFinished(req, res, { login: { accountId: login, acr: 'eidas1', amr: ['pwd'] } }, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page(details.uid));
    }
    // Consent: granted at once, as ProConnect does.
    const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`oidc-provider on ${issuer}`));
