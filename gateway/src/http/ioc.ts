import type { IocContainer, IocContainerFactory } from '@tsoa/runtime';
import type { Request } from 'express';
import { servicesOf, type GatewayServices } from './gateway-services.js';

type ControllerClass = new (services: GatewayServices) => unknown;

/** tsoa builds each controller with the app's services (constructor injection, no singletons). */
export const iocContainer: IocContainerFactory<Request> = (request: Request): IocContainer => ({
  get: ((controller: unknown) => new (controller as ControllerClass)(servicesOf(request))) as IocContainer['get'],
});
