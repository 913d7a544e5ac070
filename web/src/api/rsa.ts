/**
 * Optional RSA-OAEP (SHA-256) encryption of the login password with the server's public key, as the
 * seed asks. Only used when the server enables it and the browser has WebCrypto (secure contexts).
 */
function pemToDer(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, '');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function toBase64(buf: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
  return btoa(s);
}

export const rsaSupported = (): boolean => typeof window.crypto !== 'undefined' && !!window.crypto.subtle;

export async function encryptPassword(publicKeyPem: string, password: string): Promise<string> {
  const key = await window.crypto.subtle.importKey('spki', pemToDer(publicKeyPem), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
    'encrypt',
  ]);
  const cipher = await window.crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, new TextEncoder().encode(password));
  return toBase64(cipher);
}
