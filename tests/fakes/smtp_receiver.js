// smtp_receiver.js: a real SMTP server (the smtp-server npm package) on 127.0.0.1 for Fawkes
// tests. It appends every accepted message to a JSONL file as
//   {"from": "<envelope sender>", "to": ["<rcpt>", ...], "user": "<auth user or null>",
//    "raw": "<the message as received, CRLF line ends>"}
// and prints its port on the first line of stdout once it listens.
//
//   node smtp_receiver.js --log mails.jsonl [--user U --password P] [--starttls]
//                         [--fail-first N]
//
// --user/--password   require AUTH PLAIN/LOGIN with these credentials (allowed without TLS on
//                     loopback, as local relays do)
// --starttls          offer STARTTLS with smtp-server's built-in self-signed certificate
//                     (a client that verifies certificates must refuse it)
// --fail-first N      answer the first N messages with "451 4.3.0 try again later"
// Runs until SIGTERM/SIGINT or until stdin closes.
"use strict";

const fs = require("fs");
const path = require("path");
const { SMTPServer } = require(path.join(__dirname, "node_modules", "smtp-server"));

function option(name, fallback) {
  const i = process.argv.indexOf("--" + name);
  if (i < 0) return fallback;
  const next = process.argv[i + 1];
  return next === undefined || next.startsWith("--") ? true : next;
}

const logPath = option("log", null);
if (!logPath) {
  process.stderr.write("smtp_receiver: --log FILE is required\n");
  process.exit(2);
}
const user = option("user", null);
const password = option("password", null);
const starttls = option("starttls", false) === true;
let failFirst = parseInt(option("fail-first", "0"), 10);

const server = new SMTPServer({
  name: "fake-smtp.local",
  banner: "fawkes test SMTP receiver",
  secure: false,
  disabledCommands: starttls ? [] : ["STARTTLS"],
  authOptional: !user,
  allowInsecureAuth: true,
  authMethods: ["PLAIN", "LOGIN"],
  size: 10 * 1024 * 1024,
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.username === user && auth.password === password) {
      return callback(null, { user: auth.username });
    }
    return callback(new Error("535 5.7.8 Authentication credentials invalid"));
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      if (failFirst > 0) {
        failFirst -= 1;
        const err = new Error("try again later");
        err.responseCode = 451;
        return callback(err);
      }
      const record = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
        user: session.user || null,
        raw: Buffer.concat(chunks).toString("utf8"),
      };
      fs.appendFileSync(logPath, JSON.stringify(record) + "\n");
      return callback(null, "queued as fake");
    });
  },
});

server.on("error", (err) => process.stderr.write("smtp_receiver: " + err.message + "\n"));
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(server.server.address().port + "\n");
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
