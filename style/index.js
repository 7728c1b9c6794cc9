import './base.css';
import './dask.css';
import './logs.css';
import './serverJob.css';
