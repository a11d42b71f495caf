// Starts the embedded PostgreSQL the way `npm start` does and then waits: the
// test SIGKILLs this process to leave an orphaned server behind.
import { startEmbeddedDatabase } from "../../lib/db/embedded";

const [dataDir, port] = process.argv.slice(2);
const db = await startEmbeddedDatabase({ dataDir: dataDir!, port: Number(port) });
console.log(`READY ${db.url}`);
setInterval(() => {}, 1 << 30);
