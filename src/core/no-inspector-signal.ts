/**
 * Imported first by cli.ts, so it runs before any other module: a SIGUSR1 listener takes
 * the signal from Node, whose default answer to it is to open the inspector on
 * 127.0.0.1:9229. That port is reachable from every container of the pod, and a debugger
 * attached to it runs code as this process (with its ServiceAccount token). Every command
 * is covered, on every Node. The image also passes --disable-sigusr1 (Node >= 22.14),
 * which covers the moments before this module runs; this covers `npx`, the bin script
 * and any other launch without that flag. The listener does nothing: SIGUSR1 is ignored.
 */
process.on('SIGUSR1', () => {});
