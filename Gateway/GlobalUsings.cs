// The subscription body's reader and its result, used by every subscription endpoint.
global using EventsSubscriptions.Grains.Interfaces.Requests;
