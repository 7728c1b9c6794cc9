import './base.css';
import './dask.css';
