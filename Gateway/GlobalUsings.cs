// The namespaces a fifth or more of this project's files use, once for all of them.
global using System.Text.Json.Nodes;
global using EventsSubscriptions.Gateway.Auth;
global using EventsSubscriptions.Gateway.Subscriptions;
global using EventsSubscriptions.Grains.Interfaces.Json;
global using EventsSubscriptions.Grains.Interfaces.Requests;
global using EventsSubscriptions.Grains.Interfaces.Subscriptions;
global using Microsoft.AspNetCore.Http.HttpResults;
