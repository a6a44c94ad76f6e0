import type { SecretRule } from './rule.js';

const KEY_BEGIN = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|PuTTY-User-Key-File-\d/;
/** An AWS access key id (long-term AKIA, temporary ASIA) standing on its own. */
const AWS_KEY_ID = /(?:^|[^A-Z0-9])(?:AKIA|ASIA)(?![A-Z2-7]{9}EXAMPLE)[A-Z2-7]{16}(?![A-Z0-9])/;
/** A PKCS#12 file: a DER SEQUENCE whose first element is INTEGER 3 (the PFX version). */
function isPkcs12(b: Buffer): boolean {
  if (b.length < 8 || b[0] !== 0x30) return false;
  const l = b[1];
  const at = l < 0x80 ? 2 : l === 0x81 ? 3 : l === 0x82 ? 4 : l === 0x83 ? 5 : -1;
  return at > 0 && b[at] === 0x02 && b[at + 1] === 0x01 && b[at + 2] === 0x03 && b[at + 3] === 0x30;
}

/** Secrets recognised by content alone, in small files where a key is plausible (any name). */
export const CONTENT_RULES: SecretRule[] = [
  {
    id: 'secret-private-key',
    severity: 'high',
    matches: 'a PEM, OpenSSH or PuTTY private key, whatever the file is called',
    why: 'anyone who can pull the image has the key',
    name: /$^/,
    sniff: (_b, t) => KEY_BEGIN.test(t),
  },
  {
    id: 'secret-keystore',
    severity: 'medium',
    matches: 'a PKCS#12 keystore (DER, version 3), whatever the file is called',
    why: 'keystores usually hold a private key',
    name: /$^/,
    sniff: (b) => isPkcs12(b),
  },
  {
    id: 'secret-cloud-key',
    severity: 'high',
    matches: 'an AWS access key id (AKIA…/ASIA…) in a small text file',
    why: 'cloud credentials in an image are a breach waiting to happen',
    name: /$^/,
    sniff: (b, t) => b.indexOf(0) < 0 && AWS_KEY_ID.test(t),
  },
];

export const SECRET_RULES: SecretRule[] = [
  {
    id: 'secret-private-key',
    severity: 'high',
    matches: 'private keys: id_rsa/id_ed25519/..., *.pem, *.key, *.ppk holding a PRIVATE KEY block',
    why: 'anyone who can pull the image has the key',
    name: /(?:^|\/)(?:id_(?:rsa|dsa|ecdsa|ed25519)|[^/]+\.(?:pem|key|ppk))$/,
    confirm: (c) => KEY_BEGIN.test(c),
  },
  {
    id: 'secret-keystore',
    severity: 'medium',
    matches: 'PKCS#12 keystores: *.p12, *.pfx',
    why: 'keystores usually hold a private key',
    name: /\.(?:p12|pfx)$/,
  },
  {
    id: 'secret-npm-token',
    severity: 'high',
    matches: '.npmrc with _authToken, _auth or _password',
    why: 'an npm token in the image lets anyone publish or read private packages as you',
    name: /(?:^|\/)\.npmrc$/,
    confirm: (c) => /(?:_authToken|_auth|_password)\s*=\s*\S/.test(c),
  },
  {
    id: 'secret-pypirc',
    severity: 'high',
    matches: '.pypirc with a password',
    why: 'a PyPI token in the image lets anyone upload as you',
    name: /(?:^|\/)\.pypirc$/,
    confirm: (c) => /^\s*password\s*[=:]\s*\S/m.test(c),
  },
  {
    id: 'secret-git-credentials',
    severity: 'high',
    matches: '.git-credentials with a user:password@ URL',
    why: 'git credentials grant access to your repositories',
    name: /(?:^|\/)\.git-credentials$/,
    confirm: (c) => /:\/\/[^\s:/@]+:[^\s@]+@/.test(c),
  },
  {
    id: 'secret-netrc',
    severity: 'high',
    matches: '.netrc with a password',
    why: '.netrc passwords are sent to the servers it names',
    name: /(?:^|\/)\.netrc$/,
    confirm: (c) => /\bpassword\s+\S/.test(c),
  },
  {
    id: 'secret-docker-config',
    severity: 'high',
    matches: '.docker/config.json with registry auth; a kubeconfig with a token, password or client key',
    why: 'registry credentials let anyone push or pull as you',
    name: /(?:^|\/)(?:\.docker\/config\.json|\.kube\/config|kubeconfig)$/,
    confirm: (c) => /"(?:auth|identitytoken|registrytoken)"\s*:\s*"[^"]+"/.test(c) || /^\s*(?:token|client-key-data|password):\s*\S/m.test(c),
  },
  {
    id: 'secret-aws-credentials',
    severity: 'high',
    matches: '.aws/credentials with a secret access key',
    why: 'cloud credentials in an image are a breach waiting to happen',
    name: /(?:^|\/)\.aws\/credentials$/,
    confirm: (c) => /aws_secret_access_key\s*=\s*\S/.test(c),
  },
  {
    id: 'secret-dotenv',
    severity: 'high',
    matches: '.env files with a non-empty *SECRET*/*TOKEN*/*PASSWORD*/*KEY* variable',
    why: '.env files are meant to stay out of images; these values ship to everyone',
    name: /(?:^|\/)\.env(?:\.(?!example$|sample$|template$|dist$)[\w-]+)?$/,
    confirm: (c) => /^\s*(?:export\s+)?[\w.]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL|ACCESS_KEY)[\w.]*\s*=\s*['"]?[^\s'"#]/im.test(c),
  },
];
