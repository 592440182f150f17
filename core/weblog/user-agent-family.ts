// A User-Agent header reduced to a family a person recognises (S11): "Chrome / Windows",
// "Safari / iOS", a bot's name ("bot: Googlebot"), or a tool ("curl"). Not a full UA parser: the
// top user-agents table groups by family, and a handful of substring tests in a fixed order cover
// what access logs hold. Results are cached (a log repeats a few hundred distinct agents).

const BOTS = ['Googlebot', 'bingbot', 'YandexBot', 'Baiduspider', 'DuckDuckBot', 'Applebot', 'AhrefsBot', 'SemrushBot', 'MJ12bot', 'PetalBot', 'facebookexternalhit', 'Twitterbot', 'GPTBot', 'ClaudeBot', 'Bytespider', 'Yeti', 'Daum'];
const TOOLS = ['curl', 'Wget', 'python-requests', 'Python-urllib', 'Go-http-client', 'okhttp', 'Java', 'libwww-perl', 'Apache-HttpClient', 'node-fetch', 'axios', 'PostmanRuntime', 'kube-probe', 'ELB-HealthChecker', 'Prometheus', 'Zabbix', 'check_http', 'monitoring-plugins'];
/** browser tests in order: Edge and Opera say "Chrome" too, Chrome says "Safari" too */
const BROWSERS: [string, string][] = [
  ['Edg/', 'Edge'], ['Edge/', 'Edge'], ['OPR/', 'Opera'], ['Opera', 'Opera'], ['SamsungBrowser', 'Samsung Internet'],
  ['Whale/', 'Whale'], ['YaBrowser', 'Yandex'], ['Firefox/', 'Firefox'], ['FxiOS', 'Firefox'], ['CriOS', 'Chrome'],
  ['Chrome/', 'Chrome'], ['Chromium', 'Chromium'], ['Safari/', 'Safari'], ['MSIE ', 'Internet Explorer'], ['Trident/', 'Internet Explorer'],
];
const SYSTEMS: [string, string][] = [
  ['Windows', 'Windows'], ['iPhone', 'iOS'], ['iPad', 'iOS'], ['Android', 'Android'], ['Mac OS X', 'macOS'],
  ['CrOS', 'ChromeOS'], ['Linux', 'Linux'], ['FreeBSD', 'FreeBSD'],
];

const CACHE_LIMIT = 4096;
const cache = new Map<string, string>();

export function userAgentFamily(agent: string): string {
  if (agent === '') return '(none)';
  const hit = cache.get(agent);
  if (hit !== undefined) return hit;
  const family = classify(agent);
  // a log of random agents (a scanner) must not grow the cache without bound
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(agent, family);
  return family;
}

function classify(agent: string): string {
  const lower = agent.toLowerCase();
  for (const bot of BOTS) if (lower.includes(bot.toLowerCase())) return `bot: ${bot}`;
  for (const tool of TOOLS) if (agent.startsWith(tool) || lower.startsWith(tool.toLowerCase())) return tool;
  if (/bot|crawler|spider|slurp/i.test(agent)) return 'bot: other';
  let browser = 'other';
  for (const [needle, name] of BROWSERS) {
    if (agent.includes(needle)) {
      browser = name;
      break;
    }
  }
  let system = '';
  for (const [needle, name] of SYSTEMS) {
    if (agent.includes(needle)) {
      system = name;
      break;
    }
  }
  return system ? `${browser} / ${system}` : browser;
}
