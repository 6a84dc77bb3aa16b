import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenFile, parseCSV } from '../../../src/apiserver/authn/tokenfile.js';
import { TokenAuthenticator } from '../../../src/apiserver/authn/index.js';
import { tempDir } from '../tempdir.js';

describe('Go encoding/csv', () => {
  test('records, quoted fields, escaped quotes, CRLF, empty lines, multi-line fields', () => {
    assert.deepEqual(parseCSV('a,b,c\r\n\r\n\n"x,y","say ""hi""",\n"multi\nline",z'), [
      ['a', 'b', 'c'],
      ['x,y', 'say "hi"', ''],
      ['multi\nline', 'z'],
    ]);
    assert.deepEqual(parseCSV(''), []);
    assert.deepEqual(parseCSV('only\r'), [['only']]);
    assert.deepEqual(parseCSV('   \n'), [['   ']], 'a line of spaces is a record');
  });

  test('bare quote: column is the 1-based byte offset of the quote', () => {
    assert.throws(() => parseCSV('abc,de"f,g\n'), { message: 'parse error on line 1, column 7: bare " in non-quoted-field' });
    assert.throws(() => parseCSV('\n\nok,1,2\nabc,d"e,f'), { message: 'parse error on line 4, column 6: bare " in non-quoted-field' });
    assert.throws(() => parseCSV('é,"x"y'), { message: 'parse error on line 1, column 6: extraneous or missing " in quoted-field' }, 'é is two bytes');
  });

  test('quote after a closing quote, unterminated quoted field', () => {
    assert.throws(() => parseCSV('"abc"x,y,z'), { message: 'parse error on line 1, column 5: extraneous or missing " in quoted-field' });
    assert.throws(() => parseCSV('tok,"abc'), { message: 'parse error on line 1, column 9: extraneous or missing " in quoted-field' });
    assert.throws(() => parseCSV('tok,user,uid,"a,b\nc\n'), {
      message: 'record on line 1; parse error on line 2, column 3: extraneous or missing " in quoted-field',
    });
  });
});

describe('--token-auth-file', () => {
  test('users, uids, groups (4th column split on commas, extra columns ignored)', () => {
    const tf = TokenFile.parse([
      'tok1,alice,uid1,"system:masters,dev"',
      'tok2,bob,uid2',
      'tok3,carol,uid3,',
      'tok4,"dave ""d"" jones",uid4,ops,ignored',
    ].join('\n'), '/etc/k/tokens.csv');
    assert.equal(tf.size, 4);
    assert.deepEqual(tf.lookup('tok1'), { username: 'alice', uid: 'uid1', groups: ['system:masters', 'dev'] });
    assert.deepEqual(tf.lookup('tok2'), { username: 'bob', uid: 'uid2', groups: [] });
    assert.deepEqual(tf.lookup('tok3'), { username: 'carol', uid: 'uid3', groups: [''] }, 'as strings.Split("", ",")');
    assert.deepEqual(tf.lookup('tok4'), { username: 'dave "d" jones', uid: 'uid4', groups: ['ops'] });
    assert.equal(tf.lookup('nope'), undefined);
    assert.deepEqual(tf.warnings, []);
  });

  test('empty and duplicate tokens are warned about (last duplicate wins)', () => {
    const tf = TokenFile.parse(',x,y\nt,a,1\nt,b,2\n', '/f.csv');
    assert.deepEqual(tf.warnings, [
      "empty token has been found in token file '/f.csv', record number '1'",
      "duplicate token has been found in token file '/f.csv', record number '3'",
    ]);
    assert.equal(tf.lookup('t')!.username, 'b');
    assert.equal(tf.lookup(''), undefined);
  });

  test('errors name the file (columns) or the line (CSV syntax)', () => {
    assert.throws(() => TokenFile.parse('tok,user\n', '/etc/k/tokens.csv'), {
      message: "token file '/etc/k/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
    });
    assert.throws(() => TokenFile.parse('a,b,c\nt"k,u,1\n', '/etc/k/tokens.csv'), { message: 'parse error on line 2, column 2: bare " in non-quoted-field' });
    assert.throws(() => TokenFile.load('/nonexistent/tokens.csv'), { message: 'open /nonexistent/tokens.csv: no such file or directory' });
  });

  test('load from disk; authenticated users get system:authenticated; audiences as --api-audiences', async () => {
    const dir = tempDir('k8ts-authn-');
    const path = join(dir, 'tokens.csv');
    writeFileSync(path, 'admin-token,admin,admin-uid,"system:masters"\nnogroups,ng,ng-uid\n');
    const auth = new TokenAuthenticator({ tokenFile: TokenFile.load(path) });
    assert.deepEqual(await auth.authenticate('admin-token'), { username: 'admin', uid: 'admin-uid', groups: ['system:masters', 'system:authenticated'] });
    assert.deepEqual(await auth.authenticate('nogroups'), { username: 'ng', uid: 'ng-uid', groups: ['system:authenticated'] });
    assert.equal(await auth.authenticate('wrong'), undefined);

    // with --api-audiences, a static token is good for those audiences only
    const withAuds = new TokenAuthenticator({ tokenFile: TokenFile.load(path), apiAudiences: ['https://kubernetes.default.svc'] });
    const ok = withAuds.authenticateToken('admin-token');
    assert.ok(ok.ok && ok.audiences[0] === 'https://kubernetes.default.svc');
    assert.deepEqual(withAuds.authenticateToken('admin-token', ['vault']), { ok: false, error: 'invalid bearer token' });
  });
});
