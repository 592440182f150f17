// zod/mini ships without error messages ("Invalid input" for everything) so that programs which
// never show them need not load them; the agent shows them ("--interval: Too small: …", a refused
// configuration), so it installs the English ones. Imported for this side effect by the modules
// that validate; full zod (the appliance) does the same on its own.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
