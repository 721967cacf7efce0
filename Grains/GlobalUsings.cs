// The namespaces a fifth or more of this project's files use, once for all of them.
global using EventsSubscriptions.Grains.Interfaces.Subscriptions;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
global using Npgsql;
