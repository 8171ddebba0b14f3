"""Write paths of the job store, shared by the API, the admin and the workers' consumers."""
