"""The user's ended jobs: Slurm's accounting, or the server's own record where there is none."""
