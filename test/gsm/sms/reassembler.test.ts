// Reassembly of concatenated SMS-DELIVER parts by (sender, ref, total) in sequence order.
import t from 'tap';
import { decodeDeliver, encodeDeliver, type DeliverMessage } from '../../../gsm/sms/pdu-deliver.js';
import { reassemble } from '../../../gsm/sms/reassembler.js';

// A published real trace (+CMGR form). Beeline welcome text: alphanumeric sender, UCS2, 16-bit ref 0x4AC0, 4 parts received in the order 2, 1, 3, 4.
const BEELINE_PARTS: readonly string[] = [
  '07919730071111F1400DD0C272999D7697010008812082210383218B0608044AC00402043F043E04410442043E043F043B04300442043D043E0439002004410438044104420435043C04350020044004300441044704350442043E0432002E002004230437043D04300439044204350020043E0431043E002004320441043504450020043504510020043F044004350438043C0443044904350441044204320430044500200438',
  '07919730071111F1400DD0C272999D7697010008812082210393218B0608044AC004010414043E04310440043E0020043F043E04360430043B043E043204300442044C00200432002004110438043B04300439043D00210020042304320430043604300435043C044B04390020041A043B04380435043D0442002C00200412044B0020043E04310441043B044304360438043204300435044204350441044C0020043D04300020',
  '07919730071111F1400DD0C272999D7697010008812082210304218B0608044AC004030020041204300448043804450020043D043E0432044B044500200432043E0437043C043E0436043D043E04410442044F04450020043F043E0020043D043E043C043504400443002000300036003100360020002804370432043E043D043E043A0020043104350441043F043B04300442043D044B04390029002E0020041F04400438044F',
  '07919730071111F1440DD0C272999D769701000881208221031421390608044AC004040442043D043E0433043E0020043E043104490435043D0438044F00210020041204300448002004110438043B04300439043D',
];

const BEELINE_TEXT =
  'Добро пожаловать в Билайн! Уважаемый Клиент, Вы обслуживаетесь на постоплатной системе расчетов. ' +
  'Узнайте обо всех её преимуществах и Ваших новых возможностях по номеру 0616 (звонок бесплатный). ' +
  'Приятного общения! Ваш Билайн';

const ts = { year: 2025, month: 6, day: 1, hour: 12, minute: 0, second: 0, tzQuarterHours: 0 };
const part = (sender: string, text: string, ref?: number, seq = 1, total = 1): DeliverMessage =>
  decodeDeliver(encodeDeliver({ sender, timestamp: ts, text, ...(ref === undefined ? {} : { concat: { ref, total, seq, refBits: 8 as const } }) }));

void t.test('the real Beeline parts, received out of order, join in sequence order and are complete', (t) => {
  const [g, ...rest] = reassemble(BEELINE_PARTS.map((h) => decodeDeliver(h)));
  t.same(rest, []);
  t.match(g, { sender: 'Beeline', ref: 0x4ac0, total: 4, complete: true, missing: [], text: BEELINE_TEXT });
  t.same(g?.parts.map((p) => p.concat?.seq), [1, 2, 3, 4]);
  t.ok(g?.parts.every((p) => p.sender === 'Beeline' && p.senderToa === 0xd0 && p.encoding === 'ucs2' && p.concat?.refBits === 16));
  t.end();
});

void t.test('a missing part is reported and the text is partial', (t) => {
  const [g] = reassemble([BEELINE_PARTS[3], BEELINE_PARTS[1]].map((h) => decodeDeliver(h ?? '')));
  t.match(g, { sender: 'Beeline', ref: 0x4ac0, total: 4, complete: false, missing: [2, 3] });
  t.ok(g?.text.startsWith('Добро пожаловать'));
  t.same(g?.parts.map((p) => p.concat?.seq), [1, 4]);
  t.end();
});

void t.test('groups by sender, ref and total; single-part messages stand alone; input order is kept', (t) => {
  const groups = reassemble([
    part('+1', 'lone'),
    part('+1', 'B', 7, 2, 2),
    part('+2', 'other', 7, 1, 2),
    part('+1', 'A', 7, 1, 2),
    part('+1', 'x', 7, 1, 3), // same ref, different total: another message
    part('+1', 'lone again'),
  ]);
  t.same(groups.map((g) => [g.sender, g.ref, g.total, g.complete, g.text]), [
    ['+1', undefined, 1, true, 'lone'],
    ['+1', 7, 2, true, 'AB'],
    ['+2', 7, 2, false, 'other'],
    ['+1', 7, 3, false, 'x'],
    ['+1', undefined, 1, true, 'lone again'],
  ]);
  t.end();
});

void t.test('a duplicated part is kept once and reported as a duplicate; callers\' extra fields survive', (t) => {
  const a = { ...part('+1', 'A', 9, 1, 2), index: 3 };
  const aAgain = { ...part('+1', 'A', 9, 1, 2), index: 8 };
  const b = { ...part('+1', 'B', 9, 2, 2), index: 5 };
  const [g] = reassemble([a, aAgain, b]);
  t.equal(g?.text, 'AB');
  t.same(g?.parts.map((p) => p.index), [3, 5]);
  t.same(g?.duplicates.map((p) => p.index), [8]);
  t.end();
});

void t.test('no input, no groups', (t) => {
  t.same(reassemble([]), []);
  t.end();
});
