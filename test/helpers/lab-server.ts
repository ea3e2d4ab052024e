// A "pod" for the service proxy tests: answers HTTP with {"pod", "remote"} (who it is and the
// client address it saw) and UDP datagrams with "<pod> <remote>".
//   node lab-server.js <pod name> <tcp port> <udp port>

import { createSocket } from "node:dgram";
import { createServer } from "node:http";

const [pod = "pod", tcpPort = "8080", udpPort = "5353"] = process.argv.slice(2);

const http = createServer((req, res) => {
  res.setHeader("connection", "close");
  res.end(JSON.stringify({ pod, remote: req.socket.remoteAddress }));
});
http.on("error", (err) => {
  process.stderr.write(`lab-server http: ${err.message}\n`);
  process.exit(1);
});
http.listen(Number(tcpPort), "0.0.0.0", () => process.stdout.write("ready\n"));

const udp = createSocket("udp4");
udp.on("message", (_msg, rinfo) => udp.send(`${pod} ${rinfo.address}`, rinfo.port, rinfo.address));
udp.on("error", (err) => process.stderr.write(`lab-server udp: ${err.message}\n`));
udp.bind(Number(udpPort), "0.0.0.0");
