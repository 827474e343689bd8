// certbot's renewal confs are configobj files: what configobj accepts and rejects, and the values
// it keeps (a `;` is not a comment; `false` is read back as a string).
import fc from 'fast-check';
import ini from 'ini';
import { describe, expect, it } from 'vitest';
import { confList, confString, parseConfigObj, splitKeyValue, unquote } from '../src/sources/configobj.js';

describe('configobj grammar', () => {
  it('reads top-level keys, [renewalparams], the nested [[webroot_map]] and trailing-comma lists', () => {
    const conf = parseConfigObj(
      '# renew_before_expiry = 30 days\nversion = 2.1.0\n[renewalparams]\nauthenticator = webroot\npref_challs = dns-01,\n' +
        "post_hook = 'echo \"post, with comma\"  # x'\nautorenew = false\npre_hook = a; b\n[[webroot_map]]\nwww.example.com = /var/www\n",
    );
    expect(confString(conf, 'version')).toBe('2.1.0');
    expect(confString(conf, 'renew_before_expiry')).toBeNull();
    const params = conf.renewalparams as Record<string, never>;
    expect(confList(params, 'pref_challs')).toEqual(['dns-01']);
    expect(confString(params, 'post_hook')).toBe('echo "post, with comma"  # x');
    expect(confString(params, 'autorenew')).toBe('false');
    expect(confString(params, 'pre_hook')).toBe('a; b');
    expect(params.webroot_map).toEqual({ 'www.example.com': '/var/www' });
  });
  it.each([
    ['foo', /invalid line "foo"/],
    ['[[x]]\na = 1', /nested too deeply/],
    ['a = 1\na = 2', /duplicate keyword "a"/],
    ['[s]\n[s]', /duplicate section "s"/],
    ['a = "open', /unterminated " quote/],
    ['[a]]', /unbalanced brackets/],
  ])('rejects %j as configobj does', (text, message) => {
    expect(() => parseConfigObj(text)).toThrow(message);
  });
});

describe('configobj values', () => {
  it('reads every value as ini.unsafe does, plain ones without ini (quotes, escapes, comments, spaces)', () => {
    const char = fc.constantFrom('a', 'Z', '0', ' ', '\t', '"', "'", '\\', ';', '#', '=', ',', '/', ':', 'é', '\u00a0');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const raw = chars.join('');
        expect(unquote(raw)).toBe(ini.unsafe(raw));
      }),
      { numRuns: 20_000 },
    );
  });
  it('splits `key = value` lines exactly as the pattern /^([^=]+?)\\s*=\\s*(.*)$/ does', () => {
    const pattern = /^([^=]+?)\s*=\s*(.*)$/;
    const char = fc.constantFrom('k', 'Z', '=', ' ', '\t', '\v', '\r', '\u2028', '\u00a0', '\u0085', '\u1680', '\u200a', '\u200b', '\u3000', '\ufeff', ';', '#', '"');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 16 }), (chars) => {
        const line = chars.join('').trim();
        const m = pattern.exec(line);
        expect(splitKeyValue(line)).toEqual(m ? [m[1]!.trim(), m[2]!] : null);
      }),
      { numRuns: 30_000 },
    );
  });
  it('handles CRLF line ends and a UTF-8 byte-order mark as before', () => {
    const conf = parseConfigObj('\uFEFFversion = 2.1.0\r\n[renewalparams]\r\nauthenticator = webroot\r\n');
    expect(confString(conf, 'version')).toBe('2.1.0');
    expect(confString(conf.renewalparams as never, 'authenticator')).toBe('webroot');
  });
});
