// The namespaces a fifth or more of this project's files use, once for all of them.
global using EventsSubscriptions.Grains.Interfaces.Hosting;
global using EventsSubscriptions.Grains.Streaming;
global using EventsSubscriptions.Silo.Hosting;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
global using Npgsql;
