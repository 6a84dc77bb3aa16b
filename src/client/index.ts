// The k8ts client machinery (client-go's rest, tools/cache, util/workqueue and
// tools/leaderelection) for the components that talk to the apiserver.

export * from './rest.js';
export * from './informer.js';
export * from './workqueue.js';
export * from './leaderelection.js';
export * from './events.js';
