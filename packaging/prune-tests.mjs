// Removes the test folders that npm packages ship (test/, tests/, __tests__/ at a package's top):
// they are never run in the image, and some hold fixtures such as private keys.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function packages(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, n)).map((m) => join(dir, n, m)) : n.startsWith('.') ? [] : [join(dir, n)]));
}

const queue = ['node_modules'];
while (queue.length) {
  for (const pkg of packages(queue.pop())) {
    for (const t of ['test', 'tests', '__tests__']) rmSync(join(pkg, t), { recursive: true, force: true });
    queue.push(join(pkg, 'node_modules'));
  }
}
