// Writes appliance/accounts/common-passwords.json: the short list of passwords the password policy
// refuses (docs/security.md). Written by hand from well-known weak passwords and the patterns
// people use to stretch them past a length rule (a word plus digits or a year, keyboard walks,
// repeated digits); nothing is downloaded. Only entries of 10 or more characters are kept, since
// anything shorter is already refused by the length rule. Run: node scripts/common-passwords.mjs
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// well-known weak passwords that are already long enough
const literal = [
  'password123', 'password1234', 'password12345', 'password123!', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123',
  '1234567890', '12345678910', '123456789a', '0987654321', '1111111111', '0000000000', '1234512345', '1122334455',
  'qwertyuiop', 'qwerty12345', 'qwerty123456', 'qwertyuiop123', 'qwertyuiop1', '1qaz2wsx3edc', '1q2w3e4r5t', '1q2w3e4r5t6y',
  'zaq12wsxcde3', 'asdfghjkl1', 'asdfghjkl;', 'zxcvbnm123', 'zxcvbnmasdf', 'qazwsxedcrfv', 'q1w2e3r4t5', 'q1w2e3r4t5y6',
  'iloveyou123', 'iloveyou12', 'letmein123', 'letmein1234', 'welcome123', 'welcome1234', 'welcome2024', 'welcome2025',
  'changeme123', 'changeme12', 'trustno1234', 'sunshine123', 'football123', 'baseball123', 'basketball', 'basketball1',
  'superman123', 'batman12345', 'princess123', 'starwars123', 'pokemon1234', 'dragon12345', 'monkey12345', 'master12345',
  'shadow12345', 'michael1234', 'jennifer123', 'charlie1234', 'computer123', 'internet123', 'whatever123', 'administrator',
  'administrator1', 'admin123456', 'admin12345678', 'adminadmin', 'adminadmin1', 'rootroot12', 'toortoor12', 'raspberry1',
  'raspberrypi', 'default1234', 'defaultpassword', 'guestguest', 'useruser12', 'testtest12', 'test123456', 'testing123',
  'abcdefghij', 'abcdefg123', 'abc1234567', 'abcd123456', 'abcde12345', 'a1b2c3d4e5', 'aaaaaaaaaa', 'abcabcabc1',
  'mypassword', 'mypassword1', 'newpassword', 'newpassword1', 'secretpassword', 'supersecret', 'supersecret1',
  'thisisapassword', 'passwordpassword', 'password!!', 'iloveyouforever', 'loveyou1234', 'lovelove12', 'qweasdzxc1',
  'qweasdzxc123', 'qweqweqwe1', 'asdasdasd1', 'zxczxczxc1', '147258369a', '1472583690', '9876543210', '123123123a',
  '1231231234', '123qweasdzxc', 'qwe123qwe123', 'passpass12', 'sunshine12', 'princess12', 'football12', 'password00',
  'rackwatch1', 'rackwatch123', 'rackwatch2025', 'monitoring', 'monitoring1', 'monitor123', 'serverroom', 'datacenter',
  'datacenter1', 'sysadmin123', 'operator123', 'viewer12345', 'security123', 'firewall123', 'network123', 'ubuntu12345',
  'debian12345', 'linux12345', 'windows123', 'microsoft1', 'samsung1234', 'google1234', 'facebook123', 'gangnam123',
  'seoul12345', 'korea12345', 'sarang1234', 'saranghae1', 'saranghae12', 'iloveyou!!', 'qlalfqjsgh', 'dkssudgktpdy',
];

// words people extend with digits, years or symbols
const words = [
  'password', 'passw0rd', 'p@ssw0rd', 'admin', 'administrator', 'root', 'letmein', 'welcome', 'changeme', 'qwerty',
  'iloveyou', 'monkey', 'dragon', 'master', 'shadow', 'sunshine', 'princess', 'football', 'baseball', 'soccer',
  'superman', 'batman', 'trustno1', 'starwars', 'whatever', 'computer', 'internet', 'secret', 'summer', 'winter',
  'spring', 'autumn', 'january', 'december', 'michael', 'jennifer', 'charlie', 'jordan', 'hunter', 'ranger',
  'buster', 'thomas', 'tigger', 'robert', 'daniel', 'hannah', 'jessica', 'ashley', 'pepper', 'cheese',
  'freedom', 'flower', 'orange', 'banana', 'killer', 'hello', 'server', 'rackwatch', 'system', 'backup',
];
const suffixes = ['123', '1234', '12345', '123456', '2023', '2024', '2025', '2026', '!', '1!', '123!', '@123', '#1', '01', '007', '69', '99', '2000', '1990'];

const out = new Set();
const add = (p) => { if (p.length >= 10) out.add(p.toLowerCase()); };
for (const p of literal) add(p);
for (const w of words) {
  for (const s of suffixes) add(w + s);
  add(w + w);
  add(w.charAt(0).toUpperCase() + w.slice(1) + '123');
}
// repeated digits and letters, ascending and descending runs
for (let d = 0; d <= 9; d++) {
  add(String(d).repeat(10));
  add(String(d).repeat(12));
}
for (const c of 'abcdefghijklmnopqrstuvwxyz') add(c.repeat(10));
for (let n = 10; n <= 16; n++) add('1234567890'.repeat(2).slice(0, n));
// keyboard walks
for (const row of ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv', 'qazwsxedcrfvtgb']) {
  for (let n = 10; n <= row.length; n++) add(row.slice(0, n));
  add(row + '1');
  add(row + '123');
}

const list = [...out].sort();
writeFileSync(path.join(root, 'appliance/accounts/common-passwords.json'), JSON.stringify(list, null, 0).replace(/","/g, '",\n"') + '\n');
process.stdout.write(`${list.length} entries\n`);
